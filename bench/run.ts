// `npm run bench` (package.json points here): the HTTP benchmark, with the same options as bench/http-bench.ts.
import './http-bench.ts';
