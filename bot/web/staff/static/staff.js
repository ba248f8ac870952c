/* citizen-bot staff workspace: small progressive enhancements (no inline scripts: CSP). */
(function () {
  "use strict";

  var PREFIX = "/staff";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = meta ? meta.getAttribute("content") : "";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function post(path, body) {
    return fetch(PREFIX + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": CSRF, "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401) {
          data.error = data.error || "Phiên làm việc đã hết. Hãy đăng nhập lại (bản nháp vẫn được giữ).";
        }
        data.httpStatus = response.status;
        return data;
      });
    });
  }

  function formBody(form, extra) {
    var params = new URLSearchParams();
    if (form) {
      new FormData(form).forEach(function (value, key) {
        if (typeof value === "string") { params.append(key, value); }
      });
    }
    Object.keys(extra || {}).forEach(function (key) { params.set(key, extra[key]); });
    return params;
  }

  function timeNow() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* --- confirmations and auto-submit ------------------------------------------- */

  $all("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  $all("[data-autosubmit]").forEach(function (input) {
    input.addEventListener("change", function () { if (input.form) { input.form.submit(); } });
  });

  /* --- Telegram HTML, rebuilt from an allow-list ---------------------------------- */

  var TG_TAGS = { B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", DEL: "s",
                  STRIKE: "s", CODE: "code", PRE: "pre", BLOCKQUOTE: "blockquote", A: "a" };

  function safeCopy(source, target) {
    Array.prototype.forEach.call(source.childNodes, function (node) {
      if (node.nodeType === 3) {
        target.appendChild(document.createTextNode(node.nodeValue));
      } else if (node.nodeType === 1) {
        var name = TG_TAGS[node.tagName];
        var holder = target;
        if (name === "a") {
          var href = node.getAttribute("href") || "";
          if (/^https?:\/\//i.test(href)) {
            holder = el("a");
            holder.href = href;
            holder.rel = "noopener noreferrer";
            holder.target = "_blank";
            target.appendChild(holder);
          }
        } else if (name) {
          holder = el(name);
          target.appendChild(holder);
        }
        safeCopy(node, holder);
      }
    });
  }

  function telegramBubble(html) {
    var bubble = el("div", "bubble bubble-tg");
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    safeCopy(doc.body, bubble);
    return bubble;
  }

  /* --- "try a question" ------------------------------------------------------------- */

  function showVerdict(box, data) {
    box.textContent = "";
    if (data.error) {
      box.appendChild(el("p", "field-error", data.error));
      return;
    }
    var card = el("div", "verdict verdict-" + data.decision);
    var head = el("p");
    head.appendChild(el("strong", null, data.label));
    if (data.decision === "answer" && data.title) {
      head.appendChild(document.createTextNode(": “" + data.title + "”"));
    }
    card.appendChild(head);
    if (data.candidates && data.candidates.length) {
      card.appendChild(el("p", null, data.decision === "answer" ? "Các chủ đề gần nhất:" : "Trợ lý sẽ đưa ra để chọn:"));
      var list = el("ol");
      data.candidates.forEach(function (c) {
        list.appendChild(el("li", null, (c.title || c.topic) + " — điểm " + c.score.toFixed(2)));
      });
      card.appendChild(list);
    }
    var note = { draft: "Đã thử với nội dung bạn đang sửa (chưa lưu).",
                 live: "Đã thử với nội dung đang dùng.",
                 "live-draft-invalid": "Nội dung đang sửa còn chỗ chưa hợp lệ, nên thử với nội dung đang dùng." }[data.source];
    if (note) { card.appendChild(el("p", "hint", note)); }
    box.appendChild(card);
  }

  var tryForm = $("#try-form");
  if (tryForm) {
    tryForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var question = $("#try-question").value.trim();
      var box = $("#try-result");
      if (!question) { showVerdict(box, { error: "Hãy gõ một câu hỏi để thử." }); return; }
      var button = tryForm.querySelector("button");
      button.disabled = true;
      box.textContent = "Đang thử…";
      var topicForm = tryForm.hasAttribute("data-draft") ? $("#topic-form") : null;
      var body = formBody(topicForm, { question: question, draft: topicForm ? "1" : "0" });
      post("/api/try", body).then(function (data) {
        showVerdict(box, data);
      }).catch(function () {
        showVerdict(box, { error: "Không kết nối được. Thử lại sau giây lát." });
      }).then(function () { button.disabled = false; });
    });
  }

  /* --- the topic form ----------------------------------------------------------------- */

  var storage = null;
  try { storage = window.localStorage; } catch (e) { storage = null; }
  if (storage) {  /* a draft that was saved successfully is not offered again */
    var submitted = sessionStorage.getItem("staff-submitted");
    if (submitted && $(".flash-ok")) { storage.removeItem(submitted); }
    sessionStorage.removeItem("staff-submitted");
  }

  var form = $("#topic-form");
  if (!form) { return; }

  var topicKey = "staff-draft:" + (form.getAttribute("data-topic") || "new" + location.search);
  var dirty = false;
  var submitting = false;

  function countLines(area) {
    var out = $('[data-count-for="' + area.id + '"]');
    if (!out) { return; }
    var n = area.value.split(/\r?\n/).filter(function (l) { return l.trim(); }).length;
    if (area.name === "questions") {
      out.textContent = n + " câu" + (n < 8 ? " — cần ít nhất 8" : "");
      out.classList.toggle("low", n < 8);
    } else {
      out.textContent = n ? n + " dòng" : "";
    }
  }
  $all("textarea[data-lines]", form).forEach(function (area) {
    countLines(area);
    area.addEventListener("input", function () { countLines(area); });
  });

  /* textareas grow with their content, so every line can be read without scrolling */
  function autosize(area) {
    area.style.height = "auto";
    area.style.height = Math.min(area.scrollHeight + 6, Math.max(240, window.innerHeight * 0.7)) + "px";
  }
  $all("textarea", form).forEach(function (area) {
    autosize(area);
    area.addEventListener("input", function () { autosize(area); });
  });

  $all("[data-today]", form).forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-today"));
      input.value = button.getAttribute("data-value");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  var addPlace = $("#add-place");
  if (addPlace) {
    addPlace.addEventListener("click", function () {
      var next = $(".place[hidden]", form);
      if (!next) { addPlace.disabled = true; return; }
      next.hidden = false;
      var name = next.querySelector('input[name$="-name"]');
      if (name) { name.focus(); }
      if (!$(".place[hidden]", form)) { addPlace.hidden = true; }
    });
  }

  var idInput = $("#f-id");
  var titleInput = $("#f-title");
  if (idInput && titleInput) {
    var auto = !idInput.value;
    idInput.addEventListener("input", function () { auto = !idInput.value; });
    titleInput.addEventListener("input", function () {
      if (!auto) { return; }
      idInput.value = titleInput.value.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
        .replace(/đ/g, "d").replace(/Đ/g, "d").toLowerCase()
        .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
    });
  }

  var relatedCount = $("#field-related .summary-count");
  if (relatedCount) {
    form.addEventListener("change", function (event) {
      if (event.target.name === "related") {
        relatedCount.textContent = "(" + $all('input[name="related"]:checked', form).length + " đã chọn)";
      }
    });
  }

  /* preview tabs */
  var tabs = $all('.preview [role="tab"]');
  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () {
      tabs.forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
      });
    });
  });

  /* live preview */
  var status = $("#pv-status");
  var tgPane = $("#pv-telegram");
  var zaloPane = $("#pv-zalo");
  var previewTimer = null;
  var previewSeq = 0;

  function renderPreview(data) {
    tgPane.textContent = "";
    data.telegram.messages.forEach(function (html) { tgPane.appendChild(telegramBubble(html)); });
    if (data.telegram.buttons.length) {
      var kb = el("div", "tg-keyboard");
      data.telegram.buttons.forEach(function (row) {
        var line = el("div", "tg-row");
        row.forEach(function (label) { line.appendChild(el("span", "tg-button", label)); });
        kb.appendChild(line);
      });
      tgPane.appendChild(kb);
    }
    zaloPane.textContent = "";
    data.zalo.messages.forEach(function (text, i) {
      var bubble = el("div", "bubble bubble-zalo", text);
      if (data.zalo.messages.length > 1) {
        bubble.appendChild(el("span", "bubble-meta", "Tin " + (i + 1) + "/" + data.zalo.messages.length + " · " + text.length + " ký tự"));
      }
      zaloPane.appendChild(bubble);
    });
  }

  function refreshPreview() {
    var seq = ++previewSeq;
    status.classList.remove("error");
    status.textContent = "Đang cập nhật xem trước…";
    post("/api/preview", formBody(form)).then(function (data) {
      if (seq !== previewSeq) { return; }
      if (data.error) {
        status.classList.add("error");
        status.textContent = data.error;
      } else if (!data.ok) {
        status.classList.add("error");
        var parts = Object.keys(data.errors || {}).map(function (k) { return k + ": " + data.errors[k].join("; "); });
        status.textContent = "Chưa xem trước được — " + parts.join(" · ");
      } else {
        renderPreview(data);
        status.textContent = "Xem trước cập nhật lúc " + timeNow() + ".";
      }
    }).catch(function () {
      if (seq === previewSeq) {
        status.classList.add("error");
        status.textContent = "Không kết nối được để xem trước.";
      }
    });
  }

  /* drafts kept in this browser, so an interruption or an expired sign-in loses nothing */
  function snapshot() {
    var values = [];
    $all("input, textarea, select", form).forEach(function (input) {
      if (!input.name || input.type === "hidden" || input.type === "file") { return; }
      if ((input.type === "checkbox" || input.type === "radio")) {
        if (input.checked) { values.push([input.name, input.value]); }
      } else {
        values.push([input.name, input.value]);
      }
    });
    return values;
  }

  function restore(values) {
    $all("input, textarea, select", form).forEach(function (input) {
      if (!input.name || input.type === "hidden" || input.type === "file") { return; }
      if (input.type === "checkbox" || input.type === "radio") { input.checked = false; }
    });
    values.forEach(function (pair) {
      $all('[name="' + pair[0].replace(/"/g, "") + '"]', form).forEach(function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.value === pair[1]) { input.checked = true; }
        } else {
          input.value = pair[1];
          var place = input.closest(".place");
          if (place && pair[1]) { place.hidden = false; }
        }
      });
    });
    $all("textarea[data-lines]", form).forEach(countLines);
    $all("textarea", form).forEach(autosize);
  }

  var initial = JSON.stringify(snapshot());

  function saveDraft() {
    if (!storage) { return; }
    var values = snapshot();
    if (JSON.stringify(values) === initial) { return; }
    try {
      storage.setItem(topicKey, JSON.stringify({ at: Date.now(), values: values }));
    } catch (e) { /* storage full or blocked: nothing to do */ }
  }

  if (storage) {
    var saved = null;
    try { saved = JSON.parse(storage.getItem(topicKey) || "null"); } catch (e) { saved = null; }
    if (saved && saved.values && JSON.stringify(saved.values) !== initial) {
      var banner = $("#draft-banner");
      var when = new Date(saved.at);
      $("#draft-text").textContent = "Bạn có một bản nháp chưa lưu từ lúc " +
        ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2) +
        " ngày " + when.getDate() + "/" + (when.getMonth() + 1) + ". Khôi phục để làm tiếp?";
      banner.hidden = false;
      $("#draft-restore").addEventListener("click", function () {
        restore(saved.values);
        banner.hidden = true;
        dirty = true;
        refreshPreview();
      });
      $("#draft-discard").addEventListener("click", function () {
        storage.removeItem(topicKey);
        banner.hidden = true;
      });
    }
  }

  var draftTimer = null;
  function changed() {
    dirty = true;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 700);
    clearTimeout(draftTimer);
    draftTimer = setTimeout(saveDraft, 800);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  form.addEventListener("submit", function () {
    submitting = true;
    saveDraft();
    try { sessionStorage.setItem("staff-submitted", topicKey); } catch (e) { /* ignore */ }
    var button = $("#save-button");
    if (button) { button.disabled = true; button.textContent = "Đang lưu…"; }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  if (!tgPane.children.length) { refreshPreview(); }
})();
