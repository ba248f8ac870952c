"""`POST /api/chat`, `/healthz` and the page itself over HTTP (no browser)."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.web.app import MAX_BODY_BYTES

CLIENT_ID = "test-client-0001"


async def chat(client: httpx.AsyncClient, **payload: object) -> httpx.Response:
    return await client.post("/api/chat", json={"client_id": CLIENT_ID, **payload})


def assert_polite_400(response: httpx.Response) -> None:
    assert response.status_code == 400
    error = response.json()["error"]
    assert isinstance(error, str) and error
    assert re.search(r"[à-ỹĐđ]", error), "errors are shown to citizens in Vietnamese"


@pytest.mark.parametrize("body", [b"", b"{", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"',
                                  b"null", b"42"])
async def test_bad_json_is_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/api/chat", content=body,
                                 headers={"Content-Type": "application/json"})
    assert_polite_400(response)


@pytest.mark.parametrize("payload", [
    {"text": "xin chào"},
    {"client_id": None, "text": "xin chào"},
    {"client_id": 12345678, "text": "xin chào"},
    {"client_id": ["a" * 10], "text": "xin chào"},
    {"client_id": "short7!", "text": "xin chào"},
    {"client_id": "x" * 65, "text": "xin chào"},
])
async def test_missing_or_bad_client_id_is_400(client: httpx.AsyncClient,
                                               payload: dict[str, object]) -> None:
    assert_polite_400(await client.post("/api/chat", json=payload))


@pytest.mark.parametrize("payload", [
    {"text": 42},
    {"text": ["xin chào"]},
    {"text": {"q": "xin chào"}},
    {"action": 1},
    {"action": ["menu"]},
    {"action": "x" * 81},
])
async def test_wrong_types_are_400(client: httpx.AsyncClient, payload: dict[str, object]) -> None:
    assert_polite_400(await chat(client, **payload))


async def test_client_id_bounds_are_inclusive(client: httpx.AsyncClient) -> None:
    for client_id in ("a" * 8, "b" * 64):
        response = await client.post("/api/chat", json={"client_id": client_id, "text": "menu"})
        assert response.status_code == 200, response.text


async def test_body_limit_is_64_kb(client: httpx.AsyncClient) -> None:
    assert MAX_BODY_BYTES == 64 * 1024
    overhead = len(f'{{"client_id": "{CLIENT_ID}", "text": ""}}'.encode())
    fits = f'{{"client_id": "{CLIENT_ID}", "text": "{"a" * (MAX_BODY_BYTES - overhead)}"}}'
    assert len(fits.encode()) == MAX_BODY_BYTES
    headers = {"Content-Type": "application/json"}
    ok = await client.post("/api/chat", content=fits.encode(), headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["reply"]["blocks"], "an over-long question is still answered (truncated)"
    too_big = fits.replace('"text": "', '"text": "a', 1).encode()
    assert len(too_big) == MAX_BODY_BYTES + 1
    refused = await client.post("/api/chat", content=too_big, headers=headers)
    assert refused.status_code == 413 and re.search(r"[à-ỹĐđ]", refused.json()["error"])


def assert_reply_shape(data: dict[str, object]) -> dict[str, object]:
    assert isinstance(data["event_id"], str) and data["event_id"]
    reply = data["reply"]
    assert isinstance(reply, dict)
    assert set(reply) == {"kind", "topic", "blocks", "choices"}
    for block in reply["blocks"]:
        assert set(block) == {"kind", "text", "label", "items", "links"}
        assert block["kind"] in {"title", "paragraph", "steps", "bullets", "field", "links",
                                 "note"}
        for link in block["links"]:
            assert link["url"].startswith(("https://", "http://"))
    for choice in reply["choices"]:
        assert set(choice) == {"label", "action"}
        assert choice["label"] and len(choice["action"].encode()) <= 64
    return reply


async def test_action_flow_start_category_topic_feedback(client: httpx.AsyncClient) -> None:
    start = assert_reply_shape((await chat(client, action="start")).json())
    assert "Xin chào" in start["blocks"][0]["text"]
    actions = {c["action"]: c["label"] for c in start["choices"]}
    assert "cat:identity" in actions and "Căn cước" in actions["cat:identity"]

    category = assert_reply_shape((await chat(client, action="cat:identity")).json())
    assert category["kind"] == "menu"
    assert "topic:can-cuoc-cap-moi" in {c["action"] for c in category["choices"]}

    response = (await chat(client, action="topic:can-cuoc-cap-moi")).json()
    topic = assert_reply_shape(response)
    assert topic["kind"] == "answer" and topic["topic"] == "can-cuoc-cap-moi"
    steps = [b for b in topic["blocks"] if b["kind"] == "steps"]
    assert steps and any("VNeID" in item for item in steps[0]["items"])
    helpful = f"fb:y:{response['event_id']}"
    assert helpful in {c["action"] for c in topic["choices"]}

    thanks = assert_reply_shape((await chat(client, action=helpful)).json())
    assert thanks["kind"] == "feedback"


async def test_text_question_is_answered_or_suggested(client: httpx.AsyncClient) -> None:
    reply = assert_reply_shape((await chat(client, text="lam can cuoc cho con o dau")).json())
    if reply["kind"] == "suggest":
        assert "topic:can-cuoc-cap-moi" in {c["action"] for c in reply["choices"]}
    else:
        assert (reply["kind"], reply["topic"]) == ("answer", "can-cuoc-cap-moi")


async def test_unknown_action_and_empty_text_are_handled(client: httpx.AsyncClient) -> None:
    expired = assert_reply_shape((await chat(client, action="topic:khong-co")).json())
    assert expired["kind"] == "error" and expired["choices"]
    empty = assert_reply_shape((await chat(client, text="   ")).json())
    assert empty["kind"] == "smalltalk"
    nothing = assert_reply_shape((await chat(client)).json())
    assert nothing["kind"] == "smalltalk"


async def test_markup_in_question_comes_back_as_plain_json(client: httpx.AsyncClient) -> None:
    response = await chat(client, text='<img src=x onerror="alert(1)">')
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


async def test_chat_is_post_only(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/chat")).status_code == 405


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["topics"] >= 1 and data["knowledge_version"]


async def test_page_is_served_with_strict_csp_and_no_inline_code(
        client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    html = response.text
    assert '<html lang="vi">' in html
    assert 'name="viewport"' in html
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for body in scripts), "no inline scripts"
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+\s*=", html), "no inline event handlers"
    assert re.search(r"(fonts\.googleapis|cdn\.|unpkg|jsdelivr)", html) is None
    assert 'aria-live="polite"' in html and '<label for="message-input"' in html


@pytest.mark.parametrize(("path", "kind"), [("/static/chat.js", "javascript"),
                                            ("/static/chat.css", "text/css")])
async def test_static_assets(client: httpx.AsyncClient, path: str, kind: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


async def test_page_script_never_uses_innerhtml(client: httpx.AsyncClient) -> None:
    script = (await client.get("/static/chat.js")).text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "setAttribute(\"style\""):
        assert sink not in script, sink


async def test_a_follow_up_is_answered_for_the_topic_just_answered(
        client: httpx.AsyncClient) -> None:
    payload = {"client_id": "follow-up-client-01"}
    first = (await client.post("/api/chat", json={**payload, "text": "đổi bằng lái xe ở đâu"}))
    assert first.status_code == 200 and first.json()["reply"]["topic"] == "doi-gplx"
    second = await client.post("/api/chat", json={**payload, "text": "còn lệ phí bao nhiêu"})
    reply = second.json()["reply"]
    assert reply["kind"] == "answer" and reply["topic"] == "doi-gplx"
    assert reply["blocks"][1]["label"] == "Lệ phí"
    assert {"label": "📖 Xem đủ các bước", "action": "full:doi-gplx"} in reply["choices"]
    full = (await client.post("/api/chat", json={**payload, "action": "full:doi-gplx"}))
    assert any(b["kind"] == "links" for b in full.json()["reply"]["blocks"])
    part = await client.post("/api/chat", json={**payload, "action": "part:legal:doi-gplx"})
    assert part.json()["reply"]["topic"] == "doi-gplx"
    # Another chat has its own context.
    other = await client.post("/api/chat", json={"client_id": "follow-up-client-02",
                                                 "text": "còn lệ phí bao nhiêu"})
    assert other.json()["reply"]["topic"] != "doi-gplx"
