/** The only source of "now" for services; pure code takes `now` as an argument instead. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
