/**
 * Column sets with one column per local hour of the day (`s00`..`s23`, `o00`..`o23`), shared by
 * both schemas, so a group's counts are a SUM over plain integer columns in either dialect.
 */
type Hour = '00' | '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08' | '09' | '10' | '11' | '12' | '13' | '14' | '15' | '16' | '17' | '18' | '19' | '20' | '21' | '22' | '23';
export type HourKey<P extends string> = `${P}${Hour}`;

export const hourKey = <P extends string>(prefix: P, h: number) => `${prefix}${String(h).padStart(2, '0')}` as HourKey<P>;

/** The 24 keys of a prefix, in hour order. */
export function hourKeys<P extends string>(prefix: P): HourKey<P>[] {
  return Array.from({ length: 24 }, (_, h) => hourKey(prefix, h));
}

export function hourColumns<P extends string, B>(prefix: P, make: (name: string) => B): Record<HourKey<P>, B> {
  return Object.fromEntries(hourKeys(prefix).map((k) => [k, make(k)])) as Record<HourKey<P>, B>;
}
