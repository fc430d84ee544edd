'use strict';
// Plotly.js with only the traces of the map dashboard: MapLibre choropleth and scatter (map, barometer),
// bar (month chart); scatter is always part of core.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/scattermap'),
    require('plotly.js/lib/bar'),
]);
module.exports = Plotly;
