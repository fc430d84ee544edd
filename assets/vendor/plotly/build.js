const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const fs = require('fs');
const version = require('plotly.js/package.json').version;
const banner = `/**\n* plotly.js v${version} (partial bundle: core, choroplethmap, scattermap, bar)\n* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/`;
esbuild.build({
    entryPoints: [process.argv[2]],
    outfile: process.argv[3],
    format: 'iife', globalName: 'Plotly', bundle: true, minify: true, sourcemap: false,
    legalComments: 'eof', banner: { js: banner },
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016', logLevel: 'info',
}).then(() => console.log('ok ' + fs.statSync(process.argv[3]).size)).catch(() => process.exit(1));
