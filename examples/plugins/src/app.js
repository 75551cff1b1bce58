// Bundled by run.mjs: `settings:*` and `*.scss` do not exist on disk; run.mjs's esbuild plugin makes them.
import greeting from 'settings:greeting';
import css from './button.scss';

console.log(greeting);
console.log(css);
