import { BodyBuffers } from './body-buffers';

describe('BodyBuffers', () => {
  it("refuses a caller past its share with 429, while another caller's bytes still fit", () => {
    const buffers = new BodyBuffers(100, 40);
    const a = buffers.holdFor('tenant a');
    expect(a.take(30)).toBeUndefined();
    const refused = a.take(20);
    expect(refused).toMatchObject({ status: 429, code: 'too_many_uploads', retryAfter: 1 });
    // A refusal takes nothing.
    expect(a.heldBytes).toBe(30);
    expect(buffers.holdFor('tenant b').take(40)).toBeUndefined();
    expect(buffers.heldBytes).toBe(70);
  });

  it('refuses anyone with 503 once every byte is held, and takes again once a body gives its bytes back', () => {
    const buffers = new BodyBuffers(100, 40);
    const holds = ['a', 'b', 'c'].map((caller) => buffers.holdFor(caller));
    for (const hold of holds.slice(0, 2)) expect(hold.take(40)).toBeUndefined();
    expect(holds[2].take(30)).toMatchObject({ status: 503, code: 'server_overloaded', retryAfter: 1 });
    holds[0].give();
    expect(buffers.heldBytes).toBe(40);
    expect(holds[2].take(30)).toBeUndefined();
  });

  it('gives back part of a hold, never more than it took', () => {
    const buffers = new BodyBuffers(100, 100);
    const hold = buffers.holdFor('a');
    hold.take(50);
    hold.give(20);
    expect([hold.heldBytes, buffers.heldBytes]).toEqual([30, 30]);
    hold.give(1_000);
    hold.give();
    expect([hold.heldBytes, buffers.heldBytes]).toEqual([0, 0]);
    // The caller's share is whole again.
    expect(buffers.holdFor('a').take(100)).toBeUndefined();
  });
});
