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

  function start() { readAloud(); uploads(); once(); printing(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
