/* The project page (entry): the live preview of a typed value, the warning before leaving with
   unsaved input, and the checklist's links that take the focus to the field.

   The score and the reasons come from the server (entry:preview, the scoring service): no rule
   is repeated here. Texts are inserted with textContent only. Without this script the page
   works as before (save, then read the score and the checklist). */
(function () {
  "use strict";

  var form = document.getElementById("entry-form");
  var DELAY = 450;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* ------------------------------------------------------------------ the focus of links */

  function focusField(id) {
    var target = document.getElementById(id);
    if (!target) return false;
    var details = target.closest("details");
    if (details && !details.open) details.open = true;
    target.scrollIntoView({ block: "center" });
    if (typeof target.focus === "function") target.focus({ preventScroll: true });
    return document.activeElement === target;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.problem-link, a.problems-count, .live-preview a");
    if (!link) return;
    var hash = link.getAttribute("href") || "";
    if (hash.charAt(0) !== "#" || !document.getElementById(hash.slice(1))) return;
    event.preventDefault();
    focusField(hash.slice(1));
  });

  if (location.hash.length > 1) {
    var initial = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (initial && initial.matches("input, select, textarea")) focusField(initial.id);
  }

  if (!form) return;

  /* ------------------------------------------------------- leaving with unsaved input */

  function state() {
    var parts = [];
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken") parts.push(key + "=" + value);
    });
    return parts.join("&");
  }

  var saved = state();
  var submitting = false;
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("pageshow", function () { submitting = false; });
  window.addEventListener("beforeunload", function (event) {
    if (submitting || state() === saved) return undefined;
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own text
    return "";
  });

  /* --------------------------------------------------------------- the live preview */

  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("[name=csrfmiddlewaretoken]");
  var period = form.querySelector("input[name=period]");
  var timers = {};
  var asked = {};

  function keyOf(name) {
    var match = /^(i\d+|p)-/.exec(name || "");
    return match ? match[1] : null;
  }

  function body(key) {
    var data = new FormData();
    data.append("period", period ? period.value : "");
    if (key !== "p") data.append("indicator", key.slice(1));
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf(key + "-") === 0 && name !== key + "-version") data.append(name, value);
    });
    return data;
  }

  function reasonList(reasons) {
    var list = el("ul");
    reasons.forEach(function (reason) {
      var item = el("li", reason.done ? "done" : "need");
      item.appendChild(el("span", "", reason.done ? "✓ " + reason.text + "（已填写原因）"
                                                   : "⚠ " + reason.text));
      if (!reason.done && reason.field && document.getElementById(reason.field)) {
        item.appendChild(document.createTextNode(" "));
        var link = el("a", "", "去填写");
        link.href = "#" + reason.field;
        item.appendChild(link);
      }
      list.appendChild(item);
    });
    return list;
  }

  function showTotal(answer) {
    var total = document.getElementById("live-total");
    if (!total || !answer.total) return;
    total.textContent = "按当前输入：项目总分 " + answer.total + "，等级 " + answer.grade + "（尚未保存）";
    total.hidden = false;
  }

  function show(key, answer, status) {
    var box = document.getElementById("preview-" + key);
    if (!box) return;
    box.textContent = "";
    box.hidden = false;
    if (!answer || !answer.ok) {
      var message = (answer && answer.message) || "暂时无法计算得分（" + status + "），保存后可查看。";
      box.appendChild(el("div", "bad", message));
      return;
    }
    var part = key === "p" ? answer.execution : answer.indicator;
    if (!part) return;
    var head = el("div");
    head.appendChild(el("span", "", key === "p" ? "按当前输入：预算执行得分 " : "按当前输入：得分 "));
    head.appendChild(el("span", "live-score", part.score));
    head.appendChild(el("span", "", " / " + part.weight +
                        (key === "p" && part.rate ? "，执行率 " + part.rate : "") + "（尚未保存）"));
    box.appendChild(head);
    if (part.reasons.length) {
      box.appendChild(reasonList(part.reasons));
    } else {
      box.appendChild(el("div", "done", "无需填写原因"));
    }
    box.appendChild(el("div", "explain", part.explanation));
    if (part.short) {
      var reasons = document.getElementById("reasons-" + key);
      if (reasons && !reasons.open) reasons.open = true;
    }
    showTotal(answer);
  }

  function ask(key) {
    if (!url || !token) return;
    var number = (asked[key] || 0) + 1;
    asked[key] = number;
    fetch(url, {
      method: "POST",
      body: body(key),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (asked[key] === number) show(key, answer, response.status);
      });
    }).catch(function () {
      if (asked[key] === number) show(key, null, "网络");
    });
  }

  function typed(event) {
    var key = keyOf(event.target.name);
    if (!key || !url) return;
    if (key === "p" && event.target.name !== "p-spent" && event.target.name !== "p-spent_reason") return;
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { ask(key); }, event.type === "change" ? 0 : DELAY);
  }

  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
})();
