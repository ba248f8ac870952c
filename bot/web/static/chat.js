/*
 * citizen-bot web chat.
 *
 * Every element is built with document.createElement and filled with
 * textContent: questions and knowledge content are always shown as text, never
 * parsed as HTML. Only http(s) URLs become links. No inline styles or scripts
 * (the page is served with a strict Content-Security-Policy).
 */
(function () {
  "use strict";

  var API_URL = "/api/chat";
  var STORAGE_KEY = "citizen-bot.client_id";
  var REQUEST_TIMEOUT_MS = 20000;
  var URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
  var TRAILING_PUNCT_RE = /[.,;:!?)\]]+$/;

  var MSG = {
    you: "Bạn",
    bot: "Trợ lý",
    typing: "Trợ lý đang trả lời…",
    retry: "Gửi lại",
    notSent: "Chưa gửi được",
    keptText: " Câu hỏi của bạn vẫn còn trong ô nhập.",
    offline:
      "Xin lỗi, máy của bạn đang mất kết nối mạng. Bạn kiểm tra lại wifi hoặc 4G " +
      "rồi bấm “Gửi lại” nhé.",
    network:
      "Xin lỗi, hiện chưa kết nối được tới máy chủ. Bạn kiểm tra lại mạng (wifi hoặc 4G) " +
      "rồi bấm “Gửi lại” nhé.",
    timeout: "Xin lỗi, máy chủ trả lời quá lâu. Bạn đợi một lát rồi bấm “Gửi lại” nhé.",
    bad:
      "Xin lỗi, mình chưa nhận được tin nhắn này. Bạn thử gõ ngắn gọn hơn rồi gửi lại nhé.",
    server:
      "Xin lỗi, hệ thống đang tạm gặp sự cố. Bạn đợi một lát rồi thử lại, hoặc hỏi trực " +
      "tiếp Trung tâm Phục vụ hành chính công của xã.",
    choicesLabel: "Các lựa chọn",
    linkHint: " (mở trang mới)",
  };

  var messages = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("message-input");
  var sendButton = document.getElementById("send-button");
  var communeLine = document.getElementById("commune");
  var busy = false;
  var sendWhenFree = false; // Enter pressed while a reply was on its way
  var memoryClientId = null;

  // --- small DOM helpers ------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(raw) {
    if (typeof raw !== "string") return null;
    var url;
    try {
      url = new URL(raw.trim());
    } catch (e) {
      return null;
    }
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  }

  function link(label, href) {
    var a = el("a", null, label);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(el("span", "visually-hidden", MSG.linkHint));
    return a;
  }

  /** Append text to parent, turning bare http(s) URLs into links (text nodes only). */
  function appendRichText(parent, text) {
    var value = text === undefined || text === null ? "" : String(text);
    var last = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(value)) !== null) {
      var raw = match[0].replace(TRAILING_PUNCT_RE, "");
      var href = safeUrl(raw);
      if (!href || !raw) continue;
      parent.appendChild(document.createTextNode(value.slice(last, match.index)));
      parent.appendChild(link(raw, href));
      last = match.index + raw.length;
      URL_RE.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(value.slice(last)));
    return parent;
  }

  // --- client id -----------------------------------------------------------------

  function newClientId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    var hex = "";
    for (var j = 0; j < bytes.length; j++) hex += ("0" + bytes[j].toString(16)).slice(-2);
    return "web-" + hex;
  }

  function clientId() {
    var valid = /^[A-Za-z0-9_-]{8,64}$/;
    try {
      var stored = window.localStorage.getItem(STORAGE_KEY);
      if (stored && valid.test(stored)) return stored;
      var fresh = newClientId();
      window.localStorage.setItem(STORAGE_KEY, fresh);
      return fresh;
    } catch (e) {
      // Private mode or storage disabled: keep one id for this page view.
      if (!memoryClientId) memoryClientId = newClientId();
      return memoryClientId;
    }
  }

  // --- scrolling -------------------------------------------------------------------

  function scrollBehavior() {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
    return reduce && reduce.matches ? "auto" : "smooth";
  }

  function scrollToBottom() {
    messages.scrollTo({ top: messages.scrollHeight, behavior: scrollBehavior() });
  }

  /** Show a new reply: a long answer is shown from its start (with the question above). */
  function scrollToReply(row, question) {
    var anchor = question && question.isConnected ? question : row;
    var view = messages.clientHeight;
    if (row.offsetTop + row.offsetHeight - anchor.offsetTop <= view - 24) {
      scrollToBottom();
      return;
    }
    var top = row.offsetTop - anchor.offsetTop < view / 2 ? anchor.offsetTop : row.offsetTop;
    messages.scrollTo({ top: Math.max(0, top - 12), behavior: scrollBehavior() });
  }

  // --- rows -------------------------------------------------------------------------

  function addRow(who) {
    var row = el("div", "row row-" + who);
    row.appendChild(el("span", "visually-hidden", (who === "user" ? MSG.you : MSG.bot) + ": "));
    messages.appendChild(row);
    return row;
  }

  function addUserMessage(text) {
    var row = addRow("user");
    row.appendChild(el("div", "bubble", text));
    scrollToBottom();
    return row;
  }

  function markNotSent(row, notSent) {
    if (!row) return;
    var status = row.querySelector(".user-status");
    if (notSent && !status) row.appendChild(el("p", "user-status", "⚠ " + MSG.notSent));
    if (!notSent && status) status.remove();
  }

  function showTyping() {
    var row = addRow("bot");
    row.classList.add("row-typing");
    var bubble = el("div", "bubble");
    var dots = el("span", "typing");
    dots.setAttribute("role", "status");
    dots.setAttribute("aria-label", MSG.typing);
    for (var i = 0; i < 3; i++) dots.appendChild(el("span", "typing-dot"));
    bubble.appendChild(dots);
    row.appendChild(bubble);
    scrollToBottom();
    return row;
  }

  // --- rendering a reply -------------------------------------------------------------

  function renderLabel(bubble, block) {
    if (block.label) bubble.appendChild(el("p", "msg-label", block.label));
  }

  function renderList(bubble, block, tag, className) {
    var items = Array.isArray(block.items) ? block.items : [];
    if (!items.length && !block.text) return;
    renderLabel(bubble, block);
    if (block.text) bubble.appendChild(appendRichText(el("p", "msg-paragraph"), block.text));
    if (!items.length) return;
    var list = el(tag, className);
    items.forEach(function (item) {
      list.appendChild(appendRichText(el("li"), item));
    });
    bubble.appendChild(list);
  }

  function renderLinks(bubble, block) {
    var links = Array.isArray(block.links) ? block.links : [];
    if (!links.length) return;
    renderLabel(bubble, block);
    var list = el("ul", "msg-links");
    links.forEach(function (item) {
      if (!item) return;
      var li = el("li");
      var href = safeUrl(item.url);
      var label = item.label || item.url || "";
      if (href) li.appendChild(link(label, href));
      else li.textContent = label;
      list.appendChild(li);
    });
    bubble.appendChild(list);
  }

  function renderBlock(bubble, block) {
    if (!block || typeof block !== "object") return;
    switch (block.kind) {
      case "title":
        bubble.appendChild(el("h2", "msg-title", block.text));
        break;
      case "steps":
        renderList(bubble, block, "ol", "msg-steps");
        break;
      case "bullets":
        renderList(bubble, block, "ul", "msg-bullets");
        break;
      case "field": {
        if (!block.text && !block.label) break;
        var p = el("p", "msg-field");
        if (block.label) {
          p.appendChild(el("strong", null, block.label + ":"));
          p.appendChild(document.createTextNode(" "));
        }
        bubble.appendChild(appendRichText(p, block.text));
        break;
      }
      case "links":
        renderLinks(bubble, block);
        break;
      case "note":
        if (block.text) bubble.appendChild(appendRichText(el("p", "msg-note"), block.text));
        break;
      default: // "paragraph" and anything newer: show the text, never markup
        if (block.text) {
          bubble.appendChild(appendRichText(el("p", "msg-paragraph"), block.text));
        }
    }
  }

  function renderChoices(row, choices) {
    var usable = (Array.isArray(choices) ? choices : []).filter(function (c) {
      return c && typeof c.label === "string" && typeof c.action === "string" && c.action;
    });
    if (!usable.length) return;
    var group = el("div", "choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", MSG.choicesLabel);
    usable.forEach(function (choice) {
      // Short labels (feedback, "Danh mục") share a row; long ones get a full row.
      var button = el("button", choice.label.length <= 18 ? "choice choice-short" : "choice",
        choice.label);
      button.type = "button";
      button.addEventListener("click", function () {
        if (busy) return;
        var userRow = addUserMessage(choice.label);
        deliver({ action: choice.action }, userRow, null);
      });
      group.appendChild(button);
    });
    row.appendChild(group);
  }

  function renderReply(reply) {
    var row = addRow("bot");
    row.dataset.kind = String(reply.kind || "");
    if (reply.topic) row.dataset.topic = String(reply.topic);
    var bubble = el("div", "bubble");
    (Array.isArray(reply.blocks) ? reply.blocks : []).forEach(function (block) {
      renderBlock(bubble, block);
    });
    if (bubble.childNodes.length) row.appendChild(bubble);
    renderChoices(row, reply.choices);
    return row;
  }

  function renderError(kind, payload, userRow, text) {
    var row = addRow("bot");
    row.classList.add("row-error");
    var bubble = el("div", "bubble bubble-error");
    bubble.setAttribute("role", "alert");
    bubble.appendChild(el("p", "msg-paragraph", MSG[kind] + (text ? MSG.keptText : "")));
    row.appendChild(bubble);
    if (kind !== "bad") {
      var group = el("div", "choices");
      var retry = el("button", "choice choice-short", MSG.retry);
      retry.type = "button";
      retry.addEventListener("click", function () {
        if (busy) return;
        row.remove();
        if (text && input.value.trim() === text) {
          input.value = "";
          autoResize();
        }
        deliver(payload, userRow, text);
      });
      group.appendChild(retry);
      row.appendChild(group);
    }
    return row;
  }

  /** The commune's name comes from /healthz, which reads the commune profile. */
  function loadCommune() {
    if (!communeLine || !window.fetch) return;
    fetch("/healthz", { headers: { Accept: "application/json" } })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (data) {
        if (data && typeof data.commune === "string" && data.commune) {
          communeLine.textContent = "Xã " + data.commune;
        }
      })
      .catch(function () {});
  }

  // --- talking to the server -----------------------------------------------------------

  function post(payload) {
    var body = JSON.stringify(Object.assign({ client_id: clientId() }, payload));
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    return fetch(API_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: body,
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    })
      .then(
        function (response) {
          if (response.status === 400 || response.status === 413) return { error: "bad" };
          // 429: too many messages this minute; the server explains in a reply.
          var limited = response.status === 429;
          if (!response.ok && !limited) return { error: "server" };
          return response.json().then(
            function (data) {
              var ok = data && data.reply && typeof data.reply === "object";
              if (!ok) return { error: "server" };
              return { reply: data.reply, limited: limited };
            },
            function () {
              return { error: "server" };
            }
          );
        },
        function (err) {
          if (err && err.name === "AbortError") return { error: "timeout" };
          return { error: navigator.onLine === false ? "offline" : "network" };
        }
      )
      .finally(function () {
        if (timer) clearTimeout(timer);
      });
  }

  function setBusy(value) {
    busy = value;
    if (!value && sendWhenFree) {
      sendWhenFree = false;
      setTimeout(submitText, 0); // the question typed meanwhile goes now
    }
    sendButton.disabled = value;
    messages.setAttribute("aria-busy", value ? "true" : "false");
    var buttons = messages.querySelectorAll(".choice");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = value;
  }

  /** Send one payload ({text} or {action}); `text` is restored to the input on failure. */
  function deliver(payload, userRow, text) {
    setBusy(true);
    markNotSent(userRow, false);
    var typing = showTyping();
    return post(payload).then(function (result) {
      typing.remove();
      setBusy(false);
      var row;
      if (result.reply) {
        row = renderReply(result.reply);
        if (result.limited) {
          // Not read by the server: keep the question so it can be sent again later.
          markNotSent(userRow, true);
          if (text && !input.value.trim()) {
            input.value = text;
            autoResize();
          }
        }
      } else {
        markNotSent(userRow, true);
        if (text && !input.value.trim()) {
          input.value = text;
          autoResize();
        }
        row = renderError(result.error, payload, userRow, text);
      }
      scrollToReply(row, userRow);
    });
  }

  // --- composer ----------------------------------------------------------------------

  function autoResize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, 160) + "px";
  }

  function submitText() {
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (busy) {
      sendWhenFree = true; // not lost, not ignored: sent as soon as the reply is in
      return;
    }
    var userRow = addUserMessage(text);
    input.value = "";
    autoResize();
    deliver({ text: text }, userRow, text);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitText();
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; never send while an IME (Telex, VNI) composes.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    submitText();
  });

  input.addEventListener("input", autoResize);

  loadCommune();
  deliver({ action: "start" }, null, null);
})();
