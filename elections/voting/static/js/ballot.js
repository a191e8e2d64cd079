/*
 * stackvote ballot: progressive enhancement of the plain rank form.
 *
 * Without this script the ballot is one <select> per candidate ("No opinion", 1, 2, ...),
 * which works everywhere. With it, the same form gets a list the voter can reorder by
 * dragging (mouse, touch or pen: pointer events) or with buttons (keyboard, screen reader):
 * move up, move down, tie with the candidate above, no opinion. Every change is written
 * back into the <select>s, which remain what the form submits, and a live preview
 * ("1. A, 2. B = C; unranked: D") is announced politely to screen readers.
 *
 * The receipt page gets "Copy" and "Print" buttons.
 *
 * No framework, no inline script (the site's Content-Security-Policy forbids it).
 */
(function () {
  "use strict";

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function Ballot(form) {
    this.form = form;
    // A community vote ranks options, not candidates (the form says which: data-noun).
    this.noun = form.getAttribute("data-noun") || "candidate";
    this.plainList = form.querySelector(".ballot-list");
    this.plainHelp = form.querySelector(".ballot-help");
    this.preview = form.querySelector(".ranking-preview");
    this.items = Array.prototype.map.call(form.querySelectorAll(".ballot-row"), function (row) {
      return {
        key: row.getAttribute("data-key"),
        label: row.getAttribute("data-label"),
        affiliation: row.getAttribute("data-affiliation") || "",
        select: row.querySelector("select")
      };
    });
    this.byKey = {};
    this.position = {};
    var self = this;
    this.items.forEach(function (item, index) {
      self.byKey[item.key] = item;
      self.position[item.key] = index;
    });
    this.tiers = [];
    this.unranked = [];
    this.drag = null;
    this.readSelects();
  }

  // --- State: tiers (best first; several keys in one tier are tied) and the unranked pool.

  Ballot.prototype.readSelects = function () {
    var byRank = {};
    var unranked = [];
    this.items.forEach(function (item) {
      var rank = parseInt(item.select.value, 10);
      if (rank > 0) {
        (byRank[rank] = byRank[rank] || []).push(item.key);
      } else {
        unranked.push(item.key);
      }
    });
    this.tiers = Object.keys(byRank)
      .map(Number)
      .sort(function (a, b) { return a - b; })
      .map(function (rank) { return byRank[rank]; });
    this.unranked = unranked;
  };

  Ballot.prototype.writeSelects = function () {
    var self = this;
    this.items.forEach(function (item) { item.select.value = ""; });
    this.tiers.forEach(function (tier, index) {
      tier.forEach(function (key) { self.byKey[key].select.value = String(index + 1); });
    });
  };

  Ballot.prototype.tierOf = function (key) {
    for (var index = 0; index < this.tiers.length; index++) {
      if (this.tiers[index].indexOf(key) !== -1) return index;
    }
    return -1;
  };

  Ballot.prototype.byDisplayOrder = function (keys) {
    var position = this.position;
    return keys.sort(function (a, b) { return position[a] - position[b]; });
  };

  // Takes ``key`` out of wherever it is; empty tiers disappear.
  Ballot.prototype.remove = function (key) {
    this.unranked = this.unranked.filter(function (other) { return other !== key; });
    this.tiers = this.tiers
      .map(function (tier) { return tier.filter(function (other) { return other !== key; }); })
      .filter(function (tier) { return tier.length > 0; });
  };

  Ballot.prototype.moveUp = function (key) {
    var index = this.tierOf(key);
    if (this.tiers[index].length > 1) {
      // Tied: step out of the tie, just above it.
      this.remove(key);
      this.tiers.splice(index, 0, [key]);
    } else if (index > 0) {
      var above = this.tiers[index - 1];
      this.tiers[index - 1] = this.tiers[index];
      this.tiers[index] = above;
    } else {
      return this.label(key) + " is already first.";
    }
    return null;
  };

  Ballot.prototype.moveDown = function (key) {
    var index = this.tierOf(key);
    if (this.tiers[index].length > 1) {
      this.remove(key);
      this.tiers.splice(index + 1, 0, [key]);
    } else if (index < this.tiers.length - 1) {
      var below = this.tiers[index + 1];
      this.tiers[index + 1] = this.tiers[index];
      this.tiers[index] = below;
    } else {
      return this.label(key) + " is already last of the ranked " + this.noun + "s.";
    }
    return null;
  };

  Ballot.prototype.tieWithAbove = function (key) {
    var index = this.tierOf(key);
    if (index === 0 && this.tiers[0].length === 1) {
      return this.label(key) + " is first: there is no " + this.noun + " above to tie with.";
    }
    if (index === 0) return this.label(key) + " is already tied for first.";
    var target = this.tiers[index - 1][0];
    this.remove(key);
    this.tiers[this.tierOf(target)].push(key);
    this.byDisplayOrder(this.tiers[this.tierOf(target)]);
    return null;
  };

  Ballot.prototype.unrank = function (key) {
    this.remove(key);
    this.unranked.push(key);
    this.byDisplayOrder(this.unranked);
    return null;
  };

  Ballot.prototype.rankLast = function (key) {
    this.remove(key);
    this.tiers.push([key]);
    return null;
  };

  // Drop ``key`` relative to the ranked candidate ``target``: "before", "after" or "tie".
  Ballot.prototype.dropOn = function (key, target, where) {
    if (key === target) return;
    this.remove(key);
    var index = this.tierOf(target);
    if (where === "tie") {
      this.tiers[index].push(key);
      this.byDisplayOrder(this.tiers[index]);
    } else {
      this.tiers.splice(where === "before" ? index : index + 1, 0, [key]);
    }
  };

  // --- Words ----------------------------------------------------------------------------

  Ballot.prototype.label = function (key) { return this.byKey[key].label; };

  Ballot.prototype.describe = function () {
    var self = this;
    var text = this.tiers.length
      ? this.tiers.map(function (tier, index) {
        return (index + 1) + ". " + tier.map(function (key) { return self.label(key); }).join(" = ");
      }).join(", ")
      : "nobody ranked yet";
    if (this.unranked.length) {
      text += "; unranked: " + this.unranked.map(function (key) { return self.label(key); }).join(", ");
    }
    return "Your ranking: " + text + ".";
  };

  Ballot.prototype.whereIs = function (key) {
    var index = this.tierOf(key);
    if (index === -1) return this.label(key) + ": no opinion.";
    var self = this;
    var others = this.tiers[index].filter(function (other) { return other !== key; });
    var text = this.label(key) + ": rank " + (index + 1);
    if (others.length) {
      text += ", tied with " + others.map(function (other) { return self.label(other); }).join(" and ");
    }
    return text + ".";
  };

  // --- Rendering ------------------------------------------------------------------------

  Ballot.prototype.enhance = function () {
    var self = this;
    this.ranker = make("div", "ranker");
    this.ranker.setAttribute("role", "group");
    this.ranker.setAttribute("aria-labelledby", "ranker-heading");
    var heading = make("h2", "ranker-heading", "Your ranking");
    heading.id = "ranker-heading";
    var help = make(
      "p",
      "ranker-help",
      "Drag " + (this.noun === "option" ? "an " : "a ") + this.noun + " by its handle, or use its buttons. " +
        "\u201cTie\u201d gives " + (this.noun === "option" ? "an " : "a ") + this.noun +
        " the same rank as the one above. " + this.noun.charAt(0).toUpperCase() + this.noun.slice(1) +
        "s under \u201cNo opinion\u201d rank below everything you ranked."
    );
    help.id = "ranker-help";
    this.tierList = make("ol", "ranker-tiers");
    this.tierList.setAttribute("aria-labelledby", "ranker-heading");
    this.endZone = make("p", "ranker-end-zone", "Drop here to rank last");
    this.endZone.setAttribute("aria-hidden", "true");
    var poolHeading = make("h2", "ranker-heading", "No opinion (unranked)");
    poolHeading.id = "ranker-pool-heading";
    this.pool = make("ul", "ranker-pool");
    this.pool.setAttribute("aria-labelledby", "ranker-pool-heading");
    this.status = make("p", "visually-hidden");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.toggle = make("button", "secondary ranker-toggle", "Use the plain form instead");
    this.toggle.type = "button";
    this.toggle.setAttribute("aria-controls", "ballot-plain");

    [heading, help, this.tierList, this.endZone, poolHeading, this.pool, this.status]
      .forEach(function (element) { self.ranker.appendChild(element); });
    this.plainList.parentNode.insertBefore(this.ranker, this.plainList);
    this.plainList.parentNode.insertBefore(this.toggle, this.ranker);
    this.plainList.hidden = true;
    if (this.plainHelp) this.plainHelp.hidden = true;
    this.form.classList.add("ballot-enhanced");
    if (this.preview) this.preview.hidden = false;

    this.ranker.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (button) self.act(button.getAttribute("data-key"), button.getAttribute("data-action"));
    });
    this.ranker.addEventListener("pointerdown", function (event) { self.dragStart(event); });
    this.toggle.addEventListener("click", function () { self.togglePlain(); });
    this.items.forEach(function (item) {
      item.select.addEventListener("change", function () {
        self.readSelects();
        self.render();
      });
    });
    this.render();
  };

  Ballot.prototype.togglePlain = function () {
    var showPlain = this.plainList.hidden;
    this.plainList.hidden = !showPlain;
    if (this.plainHelp) this.plainHelp.hidden = !showPlain;
    this.ranker.hidden = showPlain;
    this.toggle.textContent = showPlain ? "Use the drag-and-drop list" : "Use the plain form instead";
    this.toggle.setAttribute("aria-expanded", String(showPlain));
  };

  Ballot.prototype.button = function (key, action, text, accessibleName) {
    var button = make("button", "secondary ranker-button", text);
    button.type = "button";
    button.setAttribute("data-key", key);
    button.setAttribute("data-action", action);
    button.setAttribute("aria-label", accessibleName);
    return button;
  };

  Ballot.prototype.itemElement = function (key, rankText) {
    var item = this.byKey[key];
    var element = make("li", "ranker-item");
    element.setAttribute("data-key", key);
    // The glyph is drawn by the stylesheet (.ranker-handle::before): a decorative handle
    // with text of its own is a contrast check axe-core cannot finish.
    var handle = make("span", "ranker-handle");
    handle.setAttribute("aria-hidden", "true");
    handle.title = "Drag to move";
    var name = make("span", "ranker-name");
    if (rankText) name.appendChild(make("span", "visually-hidden", rankText + ": "));
    name.appendChild(document.createTextNode(item.label));
    if (item.affiliation) name.appendChild(make("span", "affiliation", " " + item.affiliation));
    var actions = make("span", "ranker-actions");
    if (rankText) {
      actions.appendChild(this.button(key, "up", "\u2191 Up", "Move " + item.label + " up"));
      actions.appendChild(this.button(key, "down", "\u2193 Down", "Move " + item.label + " down"));
      actions.appendChild(this.button(key, "tie", "= Tie", "Tie " + item.label + " with the " + this.noun + " above"));
      actions.appendChild(this.button(key, "unrank", "\u00d7 No opinion", "No opinion on " + item.label));
    } else {
      actions.appendChild(this.button(key, "rank", "+ Rank", "Rank " + item.label + " last"));
    }
    element.appendChild(handle);
    element.appendChild(name);
    element.appendChild(actions);
    return element;
  };

  Ballot.prototype.render = function () {
    var self = this;
    this.tierList.textContent = "";
    this.tiers.forEach(function (tier, index) {
      var tierElement = make("li", "ranker-tier" + (tier.length > 1 ? " ranker-tie" : ""));
      var number = make("span", "ranker-rank", String(index + 1));
      number.setAttribute("aria-hidden", "true");
      var members = make("ul", "ranker-members");
      tier.forEach(function (key) {
        var rankText = "Rank " + (index + 1) + (tier.length > 1 ? ", tied" : "");
        members.appendChild(self.itemElement(key, rankText));
      });
      tierElement.appendChild(number);
      tierElement.appendChild(members);
      self.tierList.appendChild(tierElement);
    });
    if (!this.tiers.length) {
      var empty = make("li", "ranker-empty", "Nobody ranked yet: use \u201cRank\u201d or drag " + (this.noun === "option" ? "an " : "a ") + this.noun + " here.");
      this.tierList.appendChild(empty);
    }
    this.pool.textContent = "";
    this.unranked.forEach(function (key) { self.pool.appendChild(self.itemElement(key, null)); });
    if (!this.unranked.length) this.pool.appendChild(make("li", "ranker-empty", "Everyone is ranked."));
    if (this.preview) this.preview.textContent = this.describe();
  };

  Ballot.prototype.act = function (key, action) {
    var refusal = {
      up: this.moveUp, down: this.moveDown, tie: this.tieWithAbove,
      unrank: this.unrank, rank: this.rankLast
    }[action].call(this, key);
    this.writeSelects();
    this.render();
    this.refocus(key, action);
    this.status.textContent = refusal || this.whereIs(key);
  };

  Ballot.prototype.refocus = function (key, action) {
    var selector = '[data-key="' + CSS.escape(key) + '"]';
    var target = this.ranker.querySelector("button" + selector + '[data-action="' + action + '"]') ||
      this.ranker.querySelector("button" + selector);
    if (target) target.focus();
  };

  // --- Dragging with pointer events (mouse, touch and pen alike) -----------------------

  Ballot.prototype.dragStart = function (event) {
    var handle = event.target.closest(".ranker-handle");
    if (!handle || (event.pointerType === "mouse" && event.button !== 0)) return;
    var element = handle.closest(".ranker-item");
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    this.drag = { key: element.getAttribute("data-key"), element: element, handle: handle, target: null };
    element.classList.add("ranker-dragging");
    this.ranker.classList.add("ranker-is-dragging");
    var self = this;
    var move = function (moveEvent) { self.dragMove(moveEvent); };
    var end = function (endEvent) {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", end);
      handle.removeEventListener("pointercancel", end);
      self.dragEnd(endEvent.type === "pointerup");
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", end);
  };

  Ballot.prototype.dropTargetAt = function (x, y) {
    var under = document.elementFromPoint(x, y);
    if (!under) return null;
    if (under.closest(".ranker-end-zone") || under.closest(".ranker-tiers .ranker-empty")) {
      return { element: this.endZone, where: "end" };
    }
    if (under.closest(".ranker-pool")) return { element: this.pool, where: "unrank" };
    var item = under.closest(".ranker-tiers .ranker-item");
    if (!item || item === this.drag.element) return null;
    var box = item.getBoundingClientRect();
    var share = (y - box.top) / box.height;
    return {
      element: item,
      key: item.getAttribute("data-key"),
      where: share < 0.3 ? "before" : share > 0.7 ? "after" : "tie"
    };
  };

  Ballot.prototype.dragMove = function (event) {
    this.clearDropMarks();
    var target = this.dropTargetAt(event.clientX, event.clientY);
    this.drag.target = target;
    if (target) target.element.classList.add("ranker-drop-" + target.where);
  };

  Ballot.prototype.clearDropMarks = function () {
    Array.prototype.forEach.call(
      this.ranker.querySelectorAll("[class*='ranker-drop-']"),
      function (element) {
        ["before", "after", "tie", "end", "unrank"].forEach(function (where) {
          element.classList.remove("ranker-drop-" + where);
        });
      }
    );
  };

  Ballot.prototype.dragEnd = function (dropped) {
    var drag = this.drag;
    this.drag = null;
    this.clearDropMarks();
    this.ranker.classList.remove("ranker-is-dragging");
    drag.element.classList.remove("ranker-dragging");
    if (!dropped || !drag.target) return;
    var target = drag.target;
    if (target.where === "end") this.rankLast(drag.key);
    else if (target.where === "unrank") this.unrank(drag.key);
    else this.dropOn(drag.key, target.key, target.where);
    this.writeSelects();
    this.render();
    this.status.textContent = this.whereIs(drag.key);
  };

  // --- Receipt page -----------------------------------------------------------------------

  function enhanceReceipt(code) {
    var copy = document.getElementById("receipt-copy");
    var print = document.getElementById("receipt-print");
    var said = document.getElementById("receipt-copied");
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var text = code.textContent.trim();
        var done = function () { if (said) said.textContent = "Receipt copied."; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(code); });
        } else {
          selectText(code);
          if (said) said.textContent = "Receipt selected: copy it with your device's copy command.";
        }
      });
    }
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.ballot-form"), function (form) {
      new Ballot(form).enhance();
    });
    var code = document.getElementById("receipt-code");
    if (code) enhanceReceipt(code);
  });
})();
