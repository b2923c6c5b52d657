/* Resident pages, progressive enhancement only: every form works without this file.
   - ranked ballots: reorder with buttons (keyboard and touch), announced aloud;
     the hidden rank selects stay the fields that are sent.
   - budget ballots: a running total against the budget.
   - approval ballots: how many are ticked out of the maximum.
   - split and points ballots: a slider next to every number field, and a running
     total against what must (split) or may (points) be handed out; the number
     fields stay the fields that are sent.
   - the confirm button sends once; the print button prints. */
(function () {
  "use strict";

  // Element.closest is missing on the oldest phone browsers still in use.
  function closest(el, selector) {
    var matches = el && (el.matches || el.webkitMatchesSelector || el.msMatchesSelector);
    while (el && el.nodeType === 1) {
      if (matches.call(el, selector)) { return el; }
      el = el.parentNode;
    }
    return null;
  }

  // Amounts in the page's language, as the server writes them (Babel and the
  // browser's Intl share CLDR): "€ 50.000" in Dutch, "€50,000" in English.
  var money = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(
    document.documentElement.lang || "nl",
    { style: "currency", currency: "EUR", minimumFractionDigits: 0, maximumFractionDigits: 0 }
  ) : null;
  function euro(amount) {
    if (money) { return money.format(amount); }
    return "€\u00a0" + String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  /* ---------- ranked ---------- */
  function setUpRanked(fieldset) {
    var list = fieldset.querySelector(".rank-list");
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "assertive");
    fieldset.appendChild(live);
    var t = fieldset.dataset;
    var words = {
      up: t.up || "Hoger", down: t.down || "Lager", add: t.add || "Kiezen",
      remove: t.remove || "Weghalen",
      nowAt: t.nowAt || "{title} staat nu op nummer {n}.",
      atTop: t.atTop || "{title} staat al bovenaan.",
      atBottom: t.atBottom || "{title} staat al onderaan.",
      removed: t.removed || "{title} staat niet meer in uw lijst.",
      notChosen: t.notChosen || "niet gekozen",
      number: t.number || "nummer {n}"
    };
    fieldset.classList.add("js-ranked");
    Array.prototype.forEach.call(fieldset.querySelectorAll(".js-only"), function (el) {
      el.hidden = false;
    });
    // Hints about the rank selects ("geen voorkeur") do not apply to the buttons.
    Array.prototype.forEach.call(fieldset.querySelectorAll(".no-js-only"), function (el) {
      el.hidden = true;
    });
    var items = Array.prototype.slice.call(list.querySelectorAll(".rank-item"));

    function rankOf(item) {
      var v = item.querySelector("select").value;
      return v ? parseInt(v, 10) : 0;
    }

    // Start from what the selects say (a draft or a refused form): ranked ones first.
    items.sort(function (a, b) {
      var ra = rankOf(a) || 1e6, rb = rankOf(b) || 1e6;
      if (ra !== rb) { return ra - rb; }
      return parseInt(a.dataset.position, 10) - parseInt(b.dataset.position, 10);
    });
    items.forEach(function (item) {
      item.dataset.chosen = rankOf(item) ? "1" : "0";
      item.querySelector(".rank-select").hidden = true;
      var badge = document.createElement("span");
      badge.className = "rank-badge";
      badge.setAttribute("aria-hidden", "true");
      item.insertBefore(badge, item.firstChild);
      var status = document.createElement("span");
      status.className = "rank-status visually-hidden";
      item.querySelector(".rank-title").appendChild(status);
      var controls = document.createElement("div");
      controls.className = "rank-controls";
      [["up", words.up], ["down", words.down], ["toggle", ""]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-secondary button-rank";
        button.dataset.action = pair[0];
        button.textContent = pair[1];
        controls.appendChild(button);
      });
      item.appendChild(controls);
      list.appendChild(item);
    });

    function chosen() {
      return items.filter(function (i) { return i.dataset.chosen === "1"; });
    }

    function usable(button, yes) {
      if (yes) { button.removeAttribute("aria-disabled"); }
      else { button.setAttribute("aria-disabled", "true"); }
    }

    function render() {
      var picked = chosen();
      var rest = items.filter(function (i) { return i.dataset.chosen !== "1"; });
      picked.concat(rest).forEach(function (item) { list.appendChild(item); });
      items = picked.concat(rest);
      items.forEach(function (item) {
        var title = item.dataset.title;
        var index = picked.indexOf(item);
        var select = item.querySelector("select");
        select.value = index >= 0 ? String(index + 1) : "";
        select.removeAttribute("aria-invalid");
        item.querySelector(".rank-badge").textContent = index >= 0 ? String(index + 1) : "–";
        item.querySelector(".rank-status").textContent = ", " +
          (index >= 0 ? format(words.number, { n: index + 1 }) : words.notChosen);
        item.classList.toggle("is-chosen", index >= 0);
        var up = item.querySelector("[data-action=up]");
        var down = item.querySelector("[data-action=down]");
        var toggle = item.querySelector("[data-action=toggle]");
        up.hidden = down.hidden = index < 0;
        // aria-disabled, not disabled: a disabled button loses the focus, and the
        // next key press would land on "Weghalen" and drop the option.
        usable(up, index > 0);
        usable(down, index >= 0 && index < picked.length - 1);
        up.setAttribute("aria-label", words.up + ": " + title);
        down.setAttribute("aria-label", words.down + ": " + title);
        toggle.textContent = index >= 0 ? words.remove : words.add;
        toggle.setAttribute("aria-label", toggle.textContent + ": " + title);
      });
    }

    list.addEventListener("click", function (event) {
      var button = closest(event.target, "button[data-action]");
      if (!button) { return; }
      var item = closest(button, ".rank-item");
      var picked = chosen();
      var index = picked.indexOf(item);
      var action = button.dataset.action;
      var message;
      if (button.getAttribute("aria-disabled") === "true") {
        // Already at the top (or bottom): say so, change nothing, keep the focus.
        live.textContent = format(action === "up" ? words.atTop : words.atBottom,
          { title: item.dataset.title });
        return;
      }
      if (action === "toggle") {
        item.dataset.chosen = index >= 0 ? "0" : "1";
        if (index >= 0) {
          message = format(words.removed, { title: item.dataset.title });
        }
      } else if (index >= 0) {
        var target = action === "up" ? index - 1 : index + 1;
        if (target < 0 || target >= picked.length) { return; }
        var other = picked[target];
        var a = items.indexOf(item), b = items.indexOf(other);
        items[a] = other; items[b] = item;
      }
      render();
      if (!message) {
        message = format(words.nowAt, { title: item.dataset.title, n: chosen().indexOf(item) + 1 });
      }
      live.textContent = message;
      // Keep the keyboard where it was; a button that disappeared hands focus on.
      if (button.hidden) {
        button = item.querySelector("[data-action=toggle]");
      }
      button.focus();
    });
    render();
  }

  /* ---------- budget ---------- */
  function setUpBudget(fieldset) {
    var budget = parseInt(fieldset.dataset.budget, 10) || 0;
    var minSpend = parseInt(fieldset.dataset.minSpend, 10) || 0;
    var out = fieldset.querySelector("#budget-totaal");
    var boxes = fieldset.querySelectorAll("input[type=checkbox][data-cost]");
    var words = {
      total: out.dataset.total || "U heeft {spent} gekozen van {budget}. Er is nog {left} over.",
      over: out.dataset.over || "Let op: u heeft {spent} gekozen. Dat is {over} te veel. Het budget is {budget}.",
      under: out.dataset.under || "U heeft {spent} gekozen. Kies nog voor {short} om aan het minimum van {minimum} te komen."
    };
    function update() {
      var spent = 0;
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) { spent += parseInt(box.dataset.cost, 10) || 0; }
      });
      var over = spent > budget;
      // A minimum spend (at least X% of the budget): say how far off a ballot is.
      var under = !over && minSpend > 0 && spent > 0 && spent < minSpend;
      out.textContent = format(over ? words.over : under ? words.under : words.total, {
        spent: euro(spent), budget: euro(budget), left: euro(Math.max(budget - spent, 0)),
        over: euro(Math.max(spent - budget, 0)), short: euro(Math.max(minSpend - spent, 0)),
        minimum: euro(minSpend)
      });
      out.classList.toggle("is-over", over);
      out.classList.toggle("is-under", under);
    }
    out.hidden = false;
    fieldset.addEventListener("change", update);
    update();
  }

  /* ---------- approval ---------- */
  function setUpApproval(fieldset) {
    var max = parseInt(fieldset.dataset.max, 10);
    var out = fieldset.querySelector("#aantal-gekozen");
    if (!max || !out) { return; }
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    var words = {
      count: out.dataset.count || "U heeft {n} van de {max} aangevinkt.",
      over: out.dataset.over || "Let op: u heeft {n} aangevinkt. U mag er hoogstens {max} aanvinken."
    };
    function update() {
      var n = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      out.textContent = format(n > max ? words.over : words.count, { n: n, max: max });
      out.classList.toggle("is-over", n > max);
    }
    out.hidden = false;
    fieldset.addEventListener("change", update);
    update();
  }

  /* ---------- split and points ---------- */
  function setUpSplit(fieldset) {
    var t = fieldset.dataset;
    var total = parseInt(t.split, 10) || 0;
    var exact = t.exact === "1";
    var out = fieldset.querySelector("#verdeling-totaal");
    var fields = fieldset.querySelectorAll("input.split-amount");
    if (!out || !total) { return; }
    var grouping = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(
      document.documentElement.lang || "nl", { maximumFractionDigits: 0 }
    ) : null;
    function shown(n) {
      if (t.euro === "1") { return euro(n); }
      return (grouping ? grouping.format(n) : String(n)) + " " + (t.pointsWord || "punten");
    }
    // A typed amount as the server reads it: digits, grouping dots/commas and spaces
    // dropped only where they group thousands; anything else counts as 0 here (the
    // server explains what is wrong with it).
    function value(field) {
      var text = field.value.replace(/[\s\u00a0]/g, "");
      if (/^\d{1,3}([.,]\d{3})+$/.test(text)) { text = text.replace(/[.,]/g, ""); }
      return /^\d+$/.test(text) ? parseInt(text, 10) : 0;
    }
    var step = Math.max(1, Math.round(total / 200));
    Array.prototype.forEach.call(fields, function (field) {
      var slider = document.createElement("input");
      slider.type = "range";
      slider.min = "0";
      slider.max = String(total);
      slider.step = String(step);
      slider.className = "split-slider";
      slider.value = String(Math.min(value(field), total));
      slider.setAttribute("aria-label", format(t.slider || "{title}", { title: field.dataset.title }));
      // The number field is the one that is sent; the slider only fills it in.
      slider.addEventListener("input", function () {
        field.value = slider.value === "0" ? "" : slider.value;
        update();
      });
      field.addEventListener("input", function () {
        slider.value = String(Math.min(value(field), total));
        update();
      });
      field.parentNode.appendChild(slider);
    });
    var words = {
      exactLeft: out.dataset.exactLeft, exactDone: out.dataset.exactDone,
      maxLeft: out.dataset.maxLeft, over: out.dataset.over
    };
    function update() {
      var given = 0;
      Array.prototype.forEach.call(fields, function (field) { given += value(field); });
      var left = total - given;
      var template = left < 0 ? words.over : exact ? (left === 0 ? words.exactDone : words.exactLeft) : words.maxLeft;
      out.textContent = format(template, {
        given: shown(given), total: shown(total), left: shown(Math.max(left, 0)),
        over: shown(Math.max(-left, 0))
      });
      out.classList.toggle("is-over", left < 0);
      out.classList.toggle("is-done", exact && left === 0);
    }
    out.hidden = false;
    fieldset.classList.add("js-split");
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-ranked]"), setUpRanked);
  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-split]"), setUpSplit);
  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-budget]"), setUpBudget);
  Array.prototype.forEach.call(document.querySelectorAll("fieldset[data-max]"), setUpApproval);

  /* ---------- send once, print ---------- */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); }
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  /* An error summary takes the focus, so screen readers and keyboards start there. */
  var summary = document.getElementById("foutmeldingen");
  if (summary) { summary.focus(); }
})();
