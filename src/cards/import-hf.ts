export function importConfigFile(_p: string): { card: never } { throw new Error("wip"); }
