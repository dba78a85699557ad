/* The portal's own small script. Every page works without it; with it:
   - read-aloud of guide pages through the browser's speech synthesis (R-A12);
   - material uploads show their progress, and wrong types or sizes are refused
     before sending (the server checks again, whatever the browser said);
   - forms marked data-once cannot be sent twice by a double click (the server
     also makes one case of any number of submissions of a draft);
   - a print button for receipts. */
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";
  var text = {
    type: zh ? "不支持该文件格式，请上传：" : "This file type is not accepted. Allowed: ",
    size: zh ? "文件过大，单个文件不能超过 " : "The file is too large; the limit is ",
    failed: zh ? "上传失败，请重试" : "Upload failed, please try again",
    choose: zh ? "请选择要上传的文件" : "Choose a file to upload"
  };

  function readAloud() {
    var button = document.querySelector(".read-aloud");
    if (!button || !("speechSynthesis" in window)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var speech = new SpeechSynthesisUtterance(document.querySelector(button.dataset.read).innerText);
      speech.lang = document.documentElement.lang;
      window.speechSynthesis.cancel();
      window.speechSynthesis.speak(speech);
    });
  }

  function problemWith(file, accept, max) {
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    if (ext === "jpeg") ext = "jpg";
    if (accept.length && accept.indexOf(ext) < 0) return text.type + accept.join(", ").toUpperCase();
    if (file.size > max) return text.size + Math.floor(max / 1048576) + " MB";
    return "";
  }

  function uploads() {
    document.querySelectorAll("form[data-upload]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var input = form.querySelector("input[type=file]");
        var error = form.querySelector(".upload-error");
        var bar = form.querySelector("progress");
        var accept = (form.dataset.accept || "").split(",").filter(Boolean);
        var max = parseInt(form.dataset.max, 10) || Infinity;
        event.preventDefault();
        if (!input.files.length) { error.textContent = text.choose; return; }
        for (var i = 0; i < input.files.length; i++) {
          var problem = problemWith(input.files[i], accept, max);
          if (problem) { error.textContent = problem; return; }
        }
        error.textContent = "";
        var request = new XMLHttpRequest();
        request.open("POST", form.action);
        request.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) { bar.hidden = false; bar.value = Math.round((e.loaded / e.total) * 100); }
        });
        request.addEventListener("load", function () {
          if (request.status < 400) { window.location.href = request.responseURL; return; }
          // The server's page names the problem: show it in place.
          var page = new DOMParser().parseFromString(request.responseText, "text/html");
          var same = page.getElementById(form.parentElement.id);
          var message = same && same.querySelector(".upload-error");
          error.textContent = (message && message.textContent.trim()) || text.failed;
          bar.hidden = true;
        });
        request.addEventListener("error", function () { error.textContent = text.failed; bar.hidden = true; });
        request.send(new FormData(form));
      });
    });
  }

  function once() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
      });
    });
  }

  function printing() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // Staff messages (R-W7): a WebSocket pushes each new message; an open conversation
  // shows it at once, otherwise the unread badge counts it. Reconnects with backoff.
  function live() {
    var link = document.getElementById("messages-link");
    if (!link || !window.WebSocket) return;
    var badge = document.getElementById("unread-count");
    function setUnread(n) { badge.textContent = String(n); badge.hidden = n <= 0; }
    fetch(link.dataset.unread, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { unread: 0 }; })
      .then(function (body) { setUnread(body.unread || 0); })
      .catch(function () {});
    function show(event) {
      var list = document.querySelector('ol.messages[data-conversation="' + event.conversation + '"]');
      if (!list) { setUnread(Number(badge.textContent || "0") + 1); return; }
      if (list.querySelector('li[data-seq="' + event.seq + '"]')) return;
      var item = document.createElement("li");
      item.className = "message" + (event.sender === document.body.dataset.me ? " mine" : "");
      item.dataset.seq = event.seq;
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = event.sender_name + " · " + event.created_at.slice(5, 16).replace("T", " ");
      var text = document.createElement("p");
      text.textContent = event.body;
      item.appendChild(meta);
      item.appendChild(text);
      list.appendChild(item);
      list.scrollTop = list.scrollHeight;
    }
    var delay = 1000;
    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + link.dataset.live);
      socket.addEventListener("open", function () { delay = 1000; document.body.dataset.live = "open"; });
      socket.addEventListener("message", function (e) {
        try { var event = JSON.parse(e.data); } catch (err) { return; }
        if (event.type === "message") show(event);
      });
      socket.addEventListener("close", function (e) {
        document.body.dataset.live = "closed";
        if (e.code === 4403) return;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    connect();
    document.querySelectorAll("form[data-live-send]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var box = form.querySelector("textarea");
        fetch(form.action, {
          method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" },
          body: new URLSearchParams(new FormData(form))
        }).then(function (r) {
          if (r.ok) { box.value = ""; return r.json().then(show); }
          form.submit();  // let the server's page explain the problem
        });
      });
    });
  }

  // The branding form's live preview: name, colour and footer as they are typed.
  function brandingPreview() {
    var preview = document.getElementById("brand-preview");
    if (!preview) return;
    document.querySelectorAll("[data-preview]").forEach(function (input) {
      input.addEventListener("input", function () {
        var what = input.dataset.preview;
        if (what === "colour") { preview.style.setProperty("--brand", input.value); return; }
        var target = preview.querySelector('[data-preview-target="' + what + '"]');
        if (target) target.textContent = input.value;
      });
    });
  }

  function start() { readAloud(); uploads(); once(); printing(); live(); brandingPreview(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
