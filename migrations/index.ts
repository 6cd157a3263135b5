import { InitialSchema1764028800000 } from './1764028800000-InitialSchema';
import { EventPayloadAsJson1795650000000 } from './1795650000000-EventPayloadAsJson';
import { EventRuns1796000000000 } from './1796000000000-EventRuns';

/** Every migration, oldest first. A new migration is added here as well as in this folder. */
export const MIGRATIONS = [InitialSchema1764028800000, EventPayloadAsJson1795650000000, EventRuns1796000000000];
