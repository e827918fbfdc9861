// Build-time stand-in for cli-table3's `string-width` dependency (scripts/build.mjs aliases it here):
// the same measure (ANSI codes take no cells, CJK and emoji two) with an ASCII fast path, and
// without compiling emoji-regex at start-up (about 6 ms of the CLI's start-up budget).
const { displayWidth } = require('./width.ts');

module.exports = displayWidth;
module.exports.default = displayWidth;
