import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
type Grouping = Storage['groupByPropertyName'];
type ValidationMetadata = ReturnType<Lookup>[number];

const cached = new WeakSet<Storage>();

/**
 * class-validator looks up a class's rules anew for every object it validates: it filters every rule of the class,
 * tests the class against every other validated class for inheritance, and groups the rules by property (about a third of
 * a create's validation, which is a sixteenth of its CPU). Rules change only when decorators run, as classes are
 * defined: each answer is kept per class and options, and every kept answer is dropped when a rule is added.
 * The answers are the library's own, computed once; nothing reads or changes them but the library.
 */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (cached.has(storage)) return;
  cached.add(storage);
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group: Grouping = storage.groupByPropertyName.bind(storage);
  let lookups = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  let groupings = new WeakMap<ValidationMetadata[], ReturnType<Grouping>>();
  const forget =
    <A extends unknown[]>(add: (...args: A) => void) =>
    (...args: A) => {
      lookups = new WeakMap();
      groupings = new WeakMap();
      add(...args);
    };
  storage.addValidationMetadata = forget(storage.addValidationMetadata.bind(storage));
  storage.addConstraintMetadata = forget(storage.addConstraintMetadata.bind(storage));
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0000') ?? ''}`;
    let ofTarget = lookups.get(target);
    if (!ofTarget) lookups.set(target, (ofTarget = new Map()));
    let found = ofTarget.get(key);
    if (!found) ofTarget.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let grouped = groupings.get(metadata);
    if (!grouped) groupings.set(metadata, (grouped = group(metadata)));
    return grouped;
  };
}
