/* 绩效通 dashboard charts: each [data-chart] element loads its JSON (same access checks as the
   page) and draws it with the vendored Apache ECharts. Every chart has a table on the page. */
(function () {
  "use strict";
  var LIGHT_COLORS = { red: "#c62828", yellow: "#f9a825", green: "#2e7d32", blue: "#1565c0" };
  var NO_LIGHT = "#90a4ae";
  var HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  /* Text for the tooltips' HTML: names come from the data (units, projects). */
  function esc(value) {
    return String(value).replace(/[&<>"']/g, function (c) { return HTML_ESCAPES[c]; });
  }

  function zoom(count, visible, axis) {
    if (count <= visible) { return []; }
    var end = Math.max(1, Math.round(100 * visible / count));
    var slider = { type: "slider", start: 0, end: end };
    var inside = { type: "inside", start: 0, end: end };
    slider[axis + "AxisIndex"] = 0;
    inside[axis + "AxisIndex"] = 0;
    if (axis === "y") { slider.right = 8; slider.width = 16; }
    return [slider, inside];
  }

  var builders = {
    execution: function (data) {
      var items = data.items;
      return {
        aria: { enabled: true },
        tooltip: {
          trigger: "axis",
          formatter: function (params) {
            var item = items[params[0].dataIndex];
            // a project's money spent not entered yet is 未填, not 0
            return esc(item.name) + "<br>执行率 " + (item.rate === null ? "—" : esc(item.rate) + "%") +
              "<br>执行数 " + (item.spent === null ? "未填" : esc(item.spent)) + " / 预算 " +
              (item.budget === null ? "—" : esc(item.budget)) + " 万元";
          }
        },
        grid: { left: 56, right: 24, top: 36, bottom: 110 },
        xAxis: {
          type: "category", data: items.map(function (i) { return i.name; }),
          axisLabel: { rotate: 40, interval: items.length > 40 ? "auto" : 0, width: 90, overflow: "truncate" }
        },
        yAxis: {
          type: "value", name: "执行率（%）",
          max: function (v) { return Math.ceil(Math.max(v.max, data.time_progress, 100) / 10) * 10; }
        },
        dataZoom: zoom(items.length, 40, "x"),
        series: [{
          type: "bar", name: "预算执行率",
          data: items.map(function (i) {
            return { value: i.rate === null ? 0 : i.rate, itemStyle: { color: LIGHT_COLORS[i.light] || NO_LIGHT } };
          }),
          markLine: {
            symbol: "none", silent: true,
            lineStyle: { type: "dashed", color: "#333", width: 2 },
            label: { formatter: "时间进度 " + data.time_progress + "%", position: "insideEndTop" },
            data: [{ yAxis: data.time_progress }]
          }
        }]
      };
    },

    grades: function (data) {
      return {
        aria: { enabled: true },
        tooltip: { trigger: "axis" },
        legend: { data: ["当前得分", "预计全年得分"] },
        grid: { left: 48, right: 24, top: 40, bottom: 32 },
        xAxis: { type: "category", data: data.grades },
        yAxis: { type: "value", name: "项目数", minInterval: 1 },
        series: [
          { type: "bar", name: "当前得分", data: data.current, label: { show: true, position: "top" } },
          { type: "bar", name: "预计全年得分", data: data.projected, label: { show: true, position: "top" } }
        ]
      };
    },

    heatmap: function (data) {
      var rows = data.rows.map(function (r) { return r.name; });
      return {
        aria: { enabled: true },
        tooltip: {
          formatter: function (p) {
            var cell = data.cells[p.dataIndex];
            var names = { red: "红灯", yellow: "黄灯", green: "绿灯", blue: "蓝灯" };
            var parts = Object.keys(cell.counts).map(function (k) { return esc(names[k] || k) + " " + esc(cell.counts[k]); });
            return esc(rows[cell.row]) + " · " + esc(data.level1[cell.col]) + "<br>落后 " + esc(cell.behind) + "%<br>" + parts.join("，");
          }
        },
        grid: { left: 160, right: 40, top: 24, bottom: 88 },
        xAxis: { type: "category", data: data.level1, splitArea: { show: true } },
        yAxis: {
          type: "category", data: rows, inverse: true,
          axisLabel: { width: 150, overflow: "truncate", interval: 0 }
        },
        dataZoom: zoom(rows.length, 25, "y"),
        visualMap: {
          min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
          text: ["落后 100%", "0%"], inRange: { color: ["#2e7d32", "#f9a825", "#c62828"] }
        },
        series: [{
          type: "heatmap", name: "红黄灯占比",
          data: data.cells.map(function (c) { return [c.col, c.row, c.behind]; }),
          label: { show: rows.length <= 30, formatter: function (p) { return p.value[2] + "%"; } }
        }]
      };
    }
  };

  function fail(el, message) {
    el.textContent = "图表未能加载（" + message + "），数据见表格。";
    el.classList.add("chart-error");
    el.style.height = "auto";
  }

  function render(el, data) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build) { return fail(el, "未知图表"); }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(build(data));
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
    el.setAttribute("data-rendered", "true");
  }

  function load(el) {
    if (typeof echarts === "undefined") { return fail(el, "缺少图表库"); }
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { render(el, data); })
      .catch(function (error) { fail(el, error.message); });
  }

  document.querySelectorAll("[data-chart]").forEach(load);
})();
