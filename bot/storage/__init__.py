"""Storage: the demand log, follow-ups, uptake figures and per-chat state.

All SQL of the bot lives in this package; everything else reaches the tables
through the repositories on :class:`Storage` and gets plain dataclasses back.

The app creates one :class:`Storage` per process at start-up and closes it on the
way out, so queued events are written before the process exits::

    storage = await Storage.open(settings)
    storage.events.record(EventRecord(...))
    ...
    await storage.close()
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.counters import RateCounters
from bot.storage.dedup import UpdateDeduplicator
from bot.storage.demand import DemandFigures
from bot.storage.demo_data import DemoData
from bot.storage.disputes import DisputedAnswers
from bot.storage.engine import create_engine, migrate
from bot.storage.events import EventLog, EventRecord
from bot.storage.followups import FollowupRepository
from bot.storage.handoff import HandoffStore
from bot.storage.knowledge import KnowledgeStore
from bot.storage.leases import LeaseManager
from bot.storage.outreach import CampaignStore, SubscriptionStore
from bot.storage.staff import StaffStore
from bot.storage.state import ConversationStateStore
from bot.storage.transactions import Transactions

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["EventLog", "EventRecord", "Storage", "create_engine", "migrate"]

DEFAULT_FOLLOWUP_DELAY_DAYS = 3


@dataclass
class Storage:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    events: EventLog
    followups: FollowupRepository
    state: ConversationStateStore
    dedup: UpdateDeduplicator
    leases: LeaseManager
    knowledge: KnowledgeStore
    counters: RateCounters
    transactions: Transactions
    demand: DemandFigures
    demo: DemoData
    staff: StaffStore
    # Outreach (built from ``sessions`` unless given): consent and campaigns.
    subscriptions: SubscriptionStore = field(default=None)  # type: ignore[assignment]
    campaigns: CampaignStore = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.subscriptions is None:
            self.subscriptions = SubscriptionStore(self.sessions)
        if self.campaigns is None:
            self.campaigns = CampaignStore(self.sessions)

    @classmethod
    async def open(cls, settings: Settings, *, url: str | None = None) -> Storage:
        """Create the engine, migrate to head and start the event writer."""
        engine = create_engine(url or settings.effective_database_url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        delay = getattr(settings, "followup_delay_days", DEFAULT_FOLLOWUP_DELAY_DAYS)
        tx = Transactions(sessions, sqlite_thread=True)
        storage = cls(engine, sessions, EventLog(sessions, transactions=tx),
                      FollowupRepository(sessions, delay=dt.timedelta(days=delay),
                                         transactions=tx),
                      ConversationStateStore(sessions, tx), UpdateDeduplicator(sessions, tx),
                      LeaseManager(sessions), KnowledgeStore(sessions),
                      RateCounters(sessions, tx), tx, demand=DemandFigures(sessions),
                      demo=DemoData(sessions), staff=StaffStore(sessions))
        storage.events.start()
        return storage

    @property
    def handoffs(self) -> HandoffStore:
        """Handoff cases and their staff-chat messages (stateless, cheap to make)."""
        return HandoffStore(self.sessions)

    @property
    def disputes(self) -> DisputedAnswers:
        """Answers marked 👎 "Chưa đúng", for the staff inbox (stateless, cheap to make)."""
        return DisputedAnswers(self.sessions)

    async def close(self) -> None:
        """Flush the event log, then release the connections."""
        try:
            await self.events.stop()
        finally:
            self.transactions.close()
            await self.engine.dispose()
