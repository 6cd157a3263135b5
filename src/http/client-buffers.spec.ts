import { ClientBuffers } from './client-buffers';

describe('ClientBuffers', () => {
  it("refuses a caller past its share, while another caller's bytes still fit", () => {
    const buffers = new ClientBuffers(100, 40);
    const a = buffers.holdFor('tenant a', 'body');
    expect(a.take(30)).toBeUndefined();
    expect(buffers.holdFor('tenant a', 'answer').take(20)).toBe('caller');
    // A refusal takes nothing.
    expect(a.heldBytes).toBe(30);
    expect(buffers.holdFor('tenant b', 'answer').take(40)).toBeUndefined();
    expect(buffers.heldBytes).toBe(70);
  });

  it("refuses anyone once the process's whole is held, and takes again once a hold gives its bytes back", () => {
    const buffers = new ClientBuffers(100, 40);
    const holds = ['a', 'b', 'c'].map((caller) => buffers.holdFor(caller, 'body'));
    for (const hold of holds.slice(0, 2)) expect(hold.take(40)).toBeUndefined();
    expect(holds[2].take(30)).toBe('process');
    holds[0].give();
    expect(buffers.heldBytes).toBe(40);
    expect(holds[2].take(30)).toBeUndefined();
  });

  it('gives back part of a hold, never more than it took', () => {
    const buffers = new ClientBuffers(100, 100);
    const hold = buffers.holdFor('a', 'body');
    hold.take(50);
    hold.give(20);
    expect([hold.heldBytes, buffers.heldBytes]).toEqual([30, 30]);
    hold.give(1_000);
    hold.give();
    expect([hold.heldBytes, buffers.heldBytes]).toEqual([0, 0]);
    // The caller's share is whole again.
    expect(buffers.holdFor('a', 'body').take(100)).toBeUndefined();
  });
});
