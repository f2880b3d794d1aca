// 统计看板（工作台）: draws the page's embedded data with the locally served ECharts (no network, no inline
// script). A click on a bar opens the queue filtered to it; the tables under the charts carry the same links
// for the keyboard.
(function () {
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  var charts = [];
  window.__charts = {};
  window.__chartFinished = 0;
  var narrow = window.matchMedia('(max-width: 40rem)').matches;
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el, null, { renderer: 'canvas' });
    c.on('finished', function () { window.__chartFinished += 1; });
    c.on('click', function (p) {
      var href = p.data && p.data.href;
      if (href) { window.location.href = href; }
    });
    option.animation = false;
    option.tooltip = option.tooltip || { trigger: 'item' };
    c.setOption(option);
    charts.push(c);
    window.__charts[id] = c;
  }
  function bars(rows) { return rows.map(function (r) { return { value: r.count, href: r.href }; }); }
  var labelWidth = narrow ? 90 : 150;
  chart('chart-rules', {
    grid: { left: labelWidth, right: 16, top: 10, bottom: 30 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: data.rules.map(function (r) { return r.name; }),
             axisLabel: { width: labelWidth - 10, overflow: 'truncate' } },
    series: [{ name: '待审核标记', type: 'bar', cursor: 'pointer', data: bars(data.rules) }]
  });
  chart('chart-bureaus', {
    legend: { type: 'scroll', top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: data.bureaus.names, axisLabel: { interval: 0, width: narrow ? 60 : 120, overflow: 'truncate' } },
    yAxis: { type: 'value', minInterval: 1 },
    series: data.bureaus.series.map(function (s) {
      return { name: s.name, type: 'bar', stack: 'rules', cursor: 'pointer', data: s.data };
    })
  });
  chart('chart-ageing', {
    grid: { left: 40, right: 16, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: data.ageing.map(function (r) { return r.name; }) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: '待审核', type: 'bar', cursor: 'pointer', data: bars(data.ageing) }]
  });
  chart('chart-types', {
    grid: { left: 40, right: 16, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: data.types.map(function (r) { return r.name; }) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: '作出决定', type: 'bar', cursor: 'pointer', data: bars(data.types) }]
  });
  chart('chart-monthly', {
    legend: { type: 'scroll', top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: data.monthly.months },
    yAxis: { type: 'value', minInterval: 1 },
    series: data.monthly.series.map(function (s) {
      return { name: s.name, type: 'bar', stack: 'm', cursor: 'pointer', data: s.data };
    })
  });
  if (data.refusals) {
    chart('chart-refusals', {
      grid: { left: labelWidth, right: 16, top: 10, bottom: 30 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: data.refusals.map(function (r) { return r.name; }) },
      series: [{ name: '被拒绝的免罚轻罚尝试', type: 'bar', cursor: 'pointer', data: bars(data.refusals) }]
    });
  }
  var select = document.getElementById('bureau');
  if (select) {
    select.addEventListener('change', function () { document.getElementById('filters').submit(); });
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
