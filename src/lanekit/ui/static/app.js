// Lanekit web board (docs/decisions/200-web-board.md).  No inline scripts: the CSP allows only files
// served by Lanekit.  htmx does the panel and forms; this file does drag and drop (SortableJS), keyboard
// moves, the WIP override prompt, and the live refresh of an open board.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  function messageOf(xhrText, fallback) {
    try { return JSON.parse(xhrText).message || fallback; } catch (e) { return fallback; }
  }

  // --- htmx: every request carries the CSRF token; refusals are shown ---------------------------------
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });
  document.addEventListener("htmx:responseError", function (event) {
    toast(messageOf(event.detail.xhr.responseText, "The request was refused."));
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "panel") {
      target.hidden = false;
    }
    if (target && (target.id === "lanes" || target.classList.contains("cards"))) {
      setUpBoard();
    }
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest ? event.target.closest("#panel-close") : null;
    if (close) {
      var panel = document.getElementById("panel");
      var board = document.querySelector(".crumb a[href^='/board/']");
      if (panel.classList.contains("page-panel") && board) {
        window.location.assign(board.getAttribute("href"));
        return;
      }
      panel.hidden = true;
      panel.innerHTML = "";
    }
  });

  // --- board state -------------------------------------------------------------------------------------
  var page = null;      // the .board-page element
  var busy = false;     // a drag or a move request is under way: no live refresh meanwhile
  var version = null;

  function boardId() { return page.getAttribute("data-board-id"); }
  function lanesHost() { return document.getElementById("lanes"); }
  function canMove() {
    var lanes = lanesHost().querySelector(".lanes");
    return lanes && lanes.getAttribute("data-can-move") === "true";
  }

  function refreshLanes() {
    var open = {};
    lanesHost().querySelectorAll("details.collapse").forEach(function (d) {
      open[d.closest(".lane").getAttribute("data-lane-id")] = d.open;
    });
    return fetch("/board/" + boardId() + "/lanes", { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/sign-in"); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        if (text === null || busy) return;
        lanesHost().innerHTML = text;
        lanesHost().querySelectorAll("details.collapse").forEach(function (d) {
          var id = d.closest(".lane").getAttribute("data-lane-id");
          if (id in open) d.open = open[id];
        });
        setUpBoard();
      });
  }

  function postMove(cardId, laneId, index, reason) {
    var body = { cardId: cardId, laneId: laneId, index: index };
    if (reason) body.wipOverrideComment = reason;
    return fetch("/board/" + boardId() + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = {};
        try { data = JSON.parse(text); } catch (e) { data = {}; }
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function askReason(message) {
    var dialog = document.getElementById("wip-dialog");
    var input = document.getElementById("wip-reason");
    document.getElementById("wip-message").textContent = message;
    input.value = "";
    return new Promise(function (resolve) {
      var form = document.getElementById("wip-form");
      var cancel = document.getElementById("wip-cancel");
      function done(value) {
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      }
      function onSubmit(event) { event.preventDefault(); done(input.value.trim() || null); }
      function onCancel(event) { event.preventDefault(); done(null); }
      form.addEventListener("submit", onSubmit);
      cancel.addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      input.focus();
    });
  }

  // Move a card; on a WIP refusal ask for a reason and try again; any other refusal puts the board back.
  function move(cardId, laneId, index) {
    busy = true;
    return postMove(cardId, laneId, index, null).then(function (result) {
      if (result.ok) return result;
      if (result.data.wip) {
        return askReason(result.data.message).then(function (reason) {
          if (!reason) return { ok: false, data: { message: "Move cancelled: " + result.data.message } };
          return postMove(cardId, laneId, index, reason);
        });
      }
      return result;
    }).then(function (result) {
      busy = false;
      if (!result.ok) toast(result.data.message || "The move was refused.");
      return refreshLanes();
    }, function () {
      busy = false;
      toast("The move could not be sent.");
      return refreshLanes();
    });
  }

  function cardsLists() { return Array.prototype.slice.call(lanesHost().querySelectorAll("ol.cards")); }

  function setUpBoard() {
    if (!page) return;
    var host = lanesHost();
    var lanes = host.querySelector(".lanes");
    if (lanes) version = lanes.getAttribute("data-version");
    if (!canMove() || typeof Sortable === "undefined") return;
    cardsLists().forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: "cards",
        animation: 120,
        // Mouse and touch events rather than the browser's HTML5 drag and drop: the same behaviour in every
        // browser, on touch screens, and under automation.
        forceFallback: true,
        draggable: "li.card",
        filter: "button, input",
        preventOnFilter: false,
        onStart: function () { busy = true; },
        onEnd: function (event) {
          busy = false;
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          var cardId = event.item.getAttribute("data-card-id");
          var laneId = event.to.getAttribute("data-lane-id");
          move(cardId, laneId, event.newIndex);
        }
      });
    });
  }

  // Keyboard: with a card focused, Enter opens it; Shift+←/→ moves it to the previous/next lane,
  // Shift+↑/↓ one place up or down in its lane.
  document.addEventListener("keydown", function (event) {
    var card = event.target.closest ? event.target.closest("li.card") : null;
    if (!card || !page) return;
    if (event.key === "Enter") {
      var link = card.querySelector("a.title");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    if (!event.shiftKey || !canMove()) return;
    var list = card.parentElement;
    var lists = cardsLists();
    var position = Array.prototype.indexOf.call(list.children, card);
    var target = null, index = null;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      var at = lists.indexOf(list) + (event.key === "ArrowRight" ? 1 : -1);
      if (at < 0 || at >= lists.length) return;
      target = lists[at];
      index = 0;
    } else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      index = position + (event.key === "ArrowDown" ? 1 : -1);
      if (index < 0 || index >= list.children.length) return;
      target = list;
    } else {
      return;
    }
    event.preventDefault();
    var cardId = card.getAttribute("data-card-id");
    move(cardId, target.getAttribute("data-lane-id"), index).then(function () {
      var moved = lanesHost().querySelector('li.card[data-card-id="' + cardId + '"]');
      if (moved) moved.focus();
    });
  });

  // The open card follows too, unless its reader is working in it.  A refresh answered after the panel
  // changed (the reader's own request, another card opened) is dropped: it would undo what they just did.
  var panelGeneration = 0;
  var panelRequests = 0;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target && event.detail.target.id === "panel") panelRequests += 1;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.target && event.detail.target.id === "panel") {
      panelRequests = Math.max(0, panelRequests - 1);
      panelGeneration += 1;
    }
  });

  function refreshPanel(boardVersion) {
    var panel = document.getElementById("panel");
    var card = panel && !panel.hidden ? panel.querySelector(".card-panel") : null;
    // Already drawn at this version (the reader's own change): nothing to fetch.
    if (card && card.getAttribute("data-board-version") === boardVersion) return;
    if (!card || panelRequests || hasUnsentInput(panel) || panel.querySelector("details.edit[open]")) return;
    var cardId = card.getAttribute("data-card-id");
    var generation = panelGeneration;
    fetch("/card/" + cardId, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        var current = panel.querySelector(".card-panel");
        if (text === null || panel.hidden || !current || current.getAttribute("data-card-id") !== cardId) return;
        if (generation !== panelGeneration || panelRequests || hasUnsentInput(panel)) return;
        panel.innerHTML = text;
        htmx.process(panel);
        panelGeneration += 1;
      })
      .catch(function () { /* the next change tries again */ });
  }

  // --- live: poll the board's version each second; a change re-renders the lanes ---------------------
  // Whether the reader is working in `root`: a form field focused, or one changed and not yet sent.  A refresh
  // then would wipe their input; the next poll after they finish catches up.
  function hasUnsentInput(root) {
    var active = document.activeElement;
    if (active && root.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
    var fields = root.querySelectorAll("input[type=text], input:not([type]), input[type=file], textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== fields[i].defaultValue) return true;
    }
    return false;
  }

  function typing() {
    return hasUnsentInput(lanesHost());
  }

  function poll() {
    // Not while someone types a new card's title in a lane: the refresh would wipe it (next poll catches up).
    if (!page || busy || document.hidden || typing()) return;
    fetch("/board/" + boardId() + "/version", { credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/sign-in"); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && version !== null && data.version !== version && !busy) {
          version = data.version;
          refreshPanel(data.version);
          return refreshLanes();
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    page = document.querySelector(".board-page");
    if (!page) return;
    setUpBoard();
    setInterval(poll, 1000);
  });
})();
