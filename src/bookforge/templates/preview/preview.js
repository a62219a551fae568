// bookforge preview: live reload over server-sent events (keeping the scroll position),
// glossary tooltips on hover and keyboard focus.
(function () {
  "use strict";
  var SCROLL_KEY = "bookforge-preview-scroll:" + location.pathname + location.search;
  var tip = null;
  var terms = {};

  function loadTerms() {
    var el = document.getElementById("glossary-data");
    try { terms = el ? JSON.parse(el.textContent || "{}") : {}; } catch (e) { terms = {}; }
  }

  function termAnchor(link) {
    var href = link.getAttribute("href") || "";
    var i = href.indexOf("#term-");
    if (i >= 0) { return href.slice(i + 1); }
    return link.getAttribute("data-term") || "";
  }

  function prepareTerms(root) {
    var links = root.querySelectorAll("a.term, a[href*='#term-']");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var anchor = termAnchor(link);
      if (!anchor || !terms[anchor]) { continue; }
      link.setAttribute("href", "#" + anchor);  // the glossary at the foot of this page
      link.setAttribute("aria-describedby", "term-tip");
      link.classList.add("term");
    }
  }

  function showTip(link) {
    var data = terms[termAnchor(link)];
    if (!data || !tip) { return; }
    tip.textContent = "";
    var head = document.createElement("p");
    head.style.margin = "0";
    var strong = document.createElement("strong");
    strong.textContent = data.term;
    head.appendChild(strong);
    if (data.counterpart) {
      var other = document.createElement("span");
      other.className = "tip-counterpart";
      other.lang = data.lang;
      other.textContent = " (" + data.counterpart + ")";
      head.appendChild(other);
    }
    var def = document.createElement("p");
    def.className = "tip-definition";
    def.textContent = data.definition;
    tip.appendChild(head);
    tip.appendChild(def);
    tip.hidden = false;
    var r = link.getBoundingClientRect();
    var left = Math.max(8, Math.min(r.left + window.scrollX,
      window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8));
    tip.style.left = left + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
  }

  function hideTip() { if (tip) { tip.hidden = true; } }

  function termTarget(ev) {
    var t = ev.target;
    return t && t.closest ? t.closest("a.term") : null;
  }

  function wireTips() {
    tip = document.getElementById("term-tip");
    document.addEventListener("mouseover", function (ev) { var l = termTarget(ev); if (l) { showTip(l); } });
    document.addEventListener("mouseout", function (ev) { if (termTarget(ev)) { hideTip(); } });
    document.addEventListener("focusin", function (ev) { var l = termTarget(ev); if (l) { showTip(l); } });
    document.addEventListener("focusout", function (ev) { if (termTarget(ev)) { hideTip(); } });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { hideTip(); } });
  }

  function swap(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var root = next.getElementById("preview-root");
    if (!root) { return false; }
    var x = window.scrollX, y = window.scrollY;
    var toc = document.getElementById("preview-toc");
    var tocOpen = toc ? toc.open : true;
    document.getElementById("preview-root").replaceWith(document.adoptNode(root));
    var data = next.getElementById("glossary-data");
    var old = document.getElementById("glossary-data");
    if (data && old) { old.textContent = data.textContent; }
    var links = next.querySelectorAll("link[rel=stylesheet]");
    var mine = document.querySelectorAll("link[rel=stylesheet]");
    for (var i = 0; i < links.length && i < mine.length; i++) {
      if (mine[i].getAttribute("href") !== links[i].getAttribute("href")) {
        mine[i].setAttribute("href", links[i].getAttribute("href"));
      }
    }
    document.title = next.title;
    document.body.setAttribute("data-version", next.body.getAttribute("data-version") || "");
    var newToc = document.getElementById("preview-toc");
    if (newToc) { newToc.open = tocOpen; }
    loadTerms();
    prepareTerms(document);
    window.scrollTo(x, y);
    return true;
  }

  function refresh() {
    fetch(location.href, { cache: "no-store" }).then(function (r) { return r.text(); })
      .then(function (html) {
        if (!swap(html)) { sessionStorage.setItem(SCROLL_KEY, String(window.scrollY)); location.reload(); }
      })
      .catch(function () { /* the server went away: wait for the next event */ });
  }

  function listen() {
    if (!window.EventSource) { return; }
    var source = new EventSource("/events");
    source.addEventListener("update", function (ev) {
      if (ev.data !== document.body.getAttribute("data-version")) { refresh(); }
    });
  }

  function restoreScroll() {
    var saved = sessionStorage.getItem(SCROLL_KEY);
    if (saved !== null) { sessionStorage.removeItem(SCROLL_KEY); window.scrollTo(0, Number(saved)); }
  }

  function init() {
    var toc = document.getElementById("preview-toc");
    if (toc && window.innerWidth < 800) { toc.open = false; }
    loadTerms();
    wireTips();
    prepareTerms(document);
    restoreScroll();
    listen();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
