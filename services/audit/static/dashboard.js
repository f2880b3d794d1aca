// 监督审核看板: draws the page's embedded data with the local ECharts (no network).
(function () {
  var data = JSON.parse(document.getElementById('dashboard-data').textContent);
  window.__charts = {};
  window.__chartFinished = 0;
  function chart(id, option) {
    var c = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    c.on('finished', function () { window.__chartFinished += 1; });
    option.animation = false;
    option.tooltip = option.tooltip || { trigger: 'axis' };
    c.setOption(option);
    window.__charts[id] = c;
  }
  chart('chart-rules', {
    grid: { left: 150, right: 20, top: 10, bottom: 30 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: data.rules.map(function (r) { return r.name; }) },
    series: [{ name: '待审核标记', type: 'bar', data: data.rules.map(function (r) { return r.count; }) }]
  });
  var codes = Object.keys(data.rule_names);
  chart('chart-bureaus', {
    legend: { type: 'scroll', top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: data.bureaus.map(function (b) { return b.name || b.bureau; }) },
    yAxis: { type: 'value', minInterval: 1 },
    series: codes.filter(function (c) { return data.bureaus.some(function (b) { return b.rules[c]; }); })
      .map(function (c) {
        return { name: data.rule_names[c], type: 'bar', stack: 'rules',
                 data: data.bureaus.map(function (b) { return b.rules[c] || 0; }) };
      })
  });
  chart('chart-ageing', {
    grid: { left: 50, right: 20, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: Object.keys(data.ageing) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: '待审核', type: 'bar', data: Object.values(data.ageing) }]
  });
  chart('chart-monthly', {
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: data.months },
    yAxis: { type: 'value', minInterval: 1 },
    series: data.monthly.map(function (s) { return { name: s.name || s.bureau, type: 'bar', stack: 'm', data: s.counts }; })
  });
  document.getElementById('bureau').addEventListener('change', function () {
    document.getElementById('filters').submit();
  });
})();
