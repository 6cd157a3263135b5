import { DatabaseAvailability } from './database-availability';

describe('DatabaseAvailability.observe', () => {
  const availability = () => new DatabaseAvailability('postgres://127.0.0.1:1/none');

  it('marks the database down at a connection that failed', () => {
    const database = availability();
    database.observe(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(database.isReachable).toBe(false);
    expect(() => database.assertReachable()).toThrow(expect.objectContaining({ status: 503 }));
  });

  it('leaves it up when the pool had no free connection in time: load, not an outage', () => {
    const database = availability();
    const exhausted = new Error('timeout exceeded when trying to connect');
    database.observe(exhausted);
    database.observe({ message: 'Query failed', driverError: exhausted });
    expect(database.isReachable).toBe(true);
  });

  it('marks it down when a new connection did not open in time', () => {
    const database = availability();
    database.observe(new Error('Connection terminated due to connection timeout'));
    expect(database.isReachable).toBe(false);
  });
});
