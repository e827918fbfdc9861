export async function importCommand(): Promise<number> { throw new Error("wip"); }
