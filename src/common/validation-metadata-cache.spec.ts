import { getMetadataStorage, IsInt, IsString, validateSync } from 'class-validator';

import { cacheValidationMetadata } from './validation-metadata-cache';

class Base {
  @IsString()
  name!: unknown;
}

class Derived extends Base {
  @IsInt()
  count!: unknown;
}

const problems = (object: object) =>
  validateSync(object, { whitelist: true, forbidNonWhitelisted: true })
    .map((error) => error.property)
    .sort();
const of = <T extends object>(cls: new () => T, values: Record<string, unknown>) => Object.assign(new cls(), values);

describe('cacheValidationMetadata', () => {
  beforeAll(() => cacheValidationMetadata());

  it('validates as class-validator does, inherited rules and unknown fields included, every time', () => {
    for (let round = 0; round < 3; round++) {
      expect(problems(of(Derived, { name: 'a', count: 1 }))).toEqual([]);
      expect(problems(of(Derived, { name: 1, count: 'x' }))).toEqual(['count', 'name']);
      expect(problems(of(Derived, { name: 'a', count: 1, extra: true }))).toEqual(['extra']);
      expect(problems(of(Base, { name: 'a', count: 1 }))).toEqual(['count']);
    }
  });

  it('looks a class up once per set of options', () => {
    const storage = getMetadataStorage();
    const rules = storage.getTargetValidationMetadatas(Derived, '', false, false);
    expect(rules.map((rule) => rule.propertyName).sort()).toEqual(['count', 'name']);
    expect(storage.getTargetValidationMetadatas(Derived, '', false, false)).toBe(rules);
    expect(storage.groupByPropertyName(rules)).toBe(storage.groupByPropertyName(rules));
    expect(storage.getTargetValidationMetadatas(Derived, '', true, false)).not.toBe(rules);
  });

  it('applies rules declared after a class was first validated', () => {
    class Later {
      @IsString()
      first!: unknown;
    }
    expect(problems(of(Later, { first: 1 }))).toEqual(['first']);
    // A decorator applied now, as a class defined later would: its rule counts from the next validation on.
    IsInt()(Later.prototype, 'second');
    expect(problems(of(Later, { first: 'a', second: 'x' }))).toEqual(['second']);
  });
});
