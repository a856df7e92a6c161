// V8's own answers for the maps probes, which run with `--allow-natives-syntax` (jest's process lacks it, so the
// syntax lives in `new Function` bodies that only such a child process compiles).
/** Whether two objects share one V8 map (hidden class). */
export const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
/** Whether an object keeps fast properties (not a dictionary). */
export const fast = new Function('o', 'return %HasFastProperties(o)');
