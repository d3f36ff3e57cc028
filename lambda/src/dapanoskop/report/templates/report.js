(function () {
  "use strict";
  var body = document.body;

  function showPeriod(id) {
    var target = document.getElementById(id);
    if (!target || !target.classList.contains("period")) {
      id = body.getAttribute("data-default");
      target = document.getElementById(id);
    }
    var period = target.getAttribute("data-period");
    document.querySelectorAll("section.period").forEach(function (section) {
      section.hidden = section !== target;
    });
    document.querySelectorAll("[data-period]").forEach(function (el) {
      var on = el.getAttribute("data-period") === period;
      if (el.tagName === "A" && el.closest("nav")) {
        if (on) { el.setAttribute("aria-current", "true"); } else { el.removeAttribute("aria-current"); }
      } else if (el.tagName.toLowerCase() === "a") {
        el.classList.toggle("sel", on);
      }
    });
    document.title = document.title.replace(/^AWS cost report .*? ·/, "AWS cost report " +
      document.querySelector("nav a[aria-current]").firstChild.textContent.trim() + " ·");
  }

  function fromHash() {
    showPeriod(decodeURIComponent(location.hash.slice(1)));
  }

  function setExpanded(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.closest("tbody").querySelectorAll("tr.w").forEach(function (row) {
      row.hidden = !open;
    });
  }

  function cellValue(row, column, text) {
    var cell = row.children[column];
    if (text) { return cell.textContent.trim().toLowerCase(); }
    var raw = cell.getAttribute("data-v");
    return raw === null || raw === "" ? -Infinity : parseFloat(raw);
  }

  function compare(column, text, direction) {
    return function (a, b) {
      var x = cellValue(a, column, text), y = cellValue(b, column, text);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return order * direction;
    };
  }

  function sortTable(button) {
    var th = button.closest("th");
    var table = th.closest("table");
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var text = button.getAttribute("data-sort") === "text";
    var current = th.getAttribute("aria-sort");
    var direction = current === "descending" ? 1 : current === "ascending" ? -1 : (text ? 1 : -1);
    th.parentNode.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    var groups = Array.prototype.slice.call(table.tBodies);
    groups.sort(function (a, b) {
      return compare(column, text, direction)(a.rows[0], b.rows[0]);
    });
    groups.forEach(function (group) {
      var workloads = Array.prototype.slice.call(group.querySelectorAll("tr.w"));
      workloads.sort(compare(column, text, direction));
      workloads.forEach(function (row) { group.appendChild(row); });
      table.insertBefore(group, table.tFoot);
    });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("button.tg");
    if (toggle) {
      setExpanded(toggle, toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    var all = event.target.closest("button[data-expand-all]");
    if (all) {
      var open = all.textContent === "expand all";
      all.closest("section").querySelectorAll("button.tg").forEach(function (t) { setExpanded(t, open); });
      all.textContent = open ? "collapse all" : "expand all";
      return;
    }
    var sort = event.target.closest("button[data-sort]");
    if (sort) { sortTable(sort); }
  });

  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
