// Bundles src/main.js (and Uppy's CSS) into ../wwwroot/uppy/. The output is committed so that running or testing the
// sample needs no Node.js; rebuild after changing src/ or package.json:  cd samples/S3Presign.Sample/uppy && npm ci && npm run build
import { build } from 'esbuild';

await build({
  entryPoints: { 'uppy-page': 'src/main.js' },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  outdir: '../wwwroot/uppy',
  legalComments: 'linked',
  logLevel: 'info',
});
