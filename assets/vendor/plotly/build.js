const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const fs = require('fs');
const path = require('path');
const sha256 = require('sha256');

/* Source changes made while bundling. plotly.js builds a country-name index (every name of every
   country, normalised: ~40 ms of the main thread), twice, as soon as it is loaded: country-iso-search
   builds its default lookup, and plotly.js its own. The app never looks a country up by name
   (locationmode 'country names'): both are built on first use instead. Each change must match
   exactly once, or the build fails (a new version of either package: check it again). */
const PATCHES = [
    {
        file: /country-iso-search[\/\\]dist[\/\\]index\.cjs$/,
        changes: [
            ['var _default = createLookup(COUNTRIES);\nvar lookup = _default.lookup;\nvar lookupAlpha3 = _default.lookupAlpha3;\n' +
             'var byAlpha3 = _default.byAlpha3;\nvar byAlpha2 = _default.byAlpha2;\nvar byM49 = _default.byM49;\n',
             'var _default;\nfunction defaultLookup() { return _default || (_default = createLookup(COUNTRIES)); }\n'],
            ['  byAlpha2: () => byAlpha2,\n', '  byAlpha2: () => defaultLookup().byAlpha2,\n'],
            ['  byAlpha3: () => byAlpha3,\n', '  byAlpha3: () => defaultLookup().byAlpha3,\n'],
            ['  byM49: () => byM49,\n', '  byM49: () => defaultLookup().byM49,\n'],
            ['  lookup: () => lookup,\n', '  lookup: () => defaultLookup().lookup,\n'],
            ['  lookupAlpha3: () => lookupAlpha3,\n', '  lookupAlpha3: () => defaultLookup().lookupAlpha3,\n'],
        ],
    },
    {
        file: /plotly\.js[\/\\]src[\/\\]lib[\/\\]geo_location_utils\.js$/,
        changes: [
            ['const { lookupAlpha3 } = createLookup([...COUNTRIES, ...COUNTRIES_X]);',
             'let countryLookup;\nconst lookupAlpha3 = (name) =>\n' +
             '    (countryLookup || (countryLookup = createLookup([...COUNTRIES, ...COUNTRIES_X]).lookupAlpha3))(name);'],
        ],
    },
];
const patchSources = {
    name: 'patch-sources',
    setup(build) {
        for (const { file, changes } of PATCHES) {
            build.onLoad({ filter: file }, async (args) => {
                let source = await fs.promises.readFile(args.path, 'utf8');
                for (const [before, after] of changes) {
                    const found = source.split(before).length - 1;
                    if (found !== 1) { throw new Error(`${args.path}: ${found} matches (1 expected) for ${JSON.stringify(before)}`); }
                    source = source.replace(before, () => after);
                }
                return { contents: source, loader: 'js', resolveDir: path.dirname(args.path) };
            });
        }
        // every patched file must have been bundled
        build.onEnd((result) => {
            const inputs = Object.keys((result.metafile || {}).inputs || {});
            for (const { file } of PATCHES) {
                if (!inputs.some((i) => file.test(i))) { throw new Error(`no bundled file matches ${file}`); }
            }
        });
    },
};
const version = require('plotly.js/package.json').version;
const banner = `/**\n* plotly.js v${version} (partial bundle: core, choroplethmap, scattermap, bar)\n* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/`;
esbuild.build({
    entryPoints: [process.argv[2]],
    outfile: process.argv[3],
    format: 'iife', globalName: 'Plotly', bundle: true, minify: true, sourcemap: false,
    legalComments: 'eof', metafile: true, banner: { js: banner },
    plugins: [patchSources, InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016', logLevel: 'info',
}).then((result) => {
    // esbuild-plugin-inline-css names each inlined stylesheet by the sha256 of its absolute path: named
    // by its path inside the build folder instead, so that the output does not depend on that folder
    let out = fs.readFileSync(process.argv[3], 'utf8');
    for (const input of Object.keys(result.metafile.inputs).filter((i) => i.endsWith('.css'))) {
        const absolute = path.resolve(input);
        out = out.split(sha256(absolute)).join(sha256(path.relative(process.cwd(), absolute)));
    }
    fs.writeFileSync(process.argv[3], out);
    console.log('ok ' + fs.statSync(process.argv[3]).size);
}).catch((err) => { console.error(err); process.exit(1); });
