// Colours via chalk, off when NO_COLOR is set, --no-color is given, or stdout is not a terminal.
import { Chalk, type ChalkInstance } from 'chalk';

let instance: ChalkInstance = new Chalk({ level: 0 });

export function setColor(enabled: boolean): void {
  const env = process.env.NO_COLOR;
  const on = enabled && (env === undefined || env === '') && Boolean(process.stdout.isTTY);
  instance = new Chalk({ level: on ? 1 : 0 });
}

export function c(): ChalkInstance {
  return instance;
}
