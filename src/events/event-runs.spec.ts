import { toEventRuns } from './event-runs';
import type { SerializedEvent } from './serialized-event';

const event = (sequenceNumber: number): SerializedEvent => ({
  type: 'response.output_text.delta',
  sequenceNumber,
  json: `{"sequence_number":${sequenceNumber}}`,
});
const numbers = (runs: ReturnType<typeof toEventRuns>) => runs.map((run) => [run.responseId, run.events.map((e) => e.sequenceNumber)]);

describe('toEventRuns', () => {
  it('joins what one response appended across a batch into one run, and keeps responses apart', () => {
    const runs = toEventRuns([
      { responseId: 'a', events: [event(0), event(1)] },
      { responseId: 'b', events: [event(5)] },
      { responseId: 'a', events: [event(2)] },
      { responseId: 'b', events: [event(6), event(7)] },
    ]);
    expect(numbers(runs)).toEqual([
      ['a', [0, 1, 2]],
      ['b', [5, 6, 7]],
    ]);
  });

  it('starts a new run where the sequence numbers do not follow on', () => {
    const runs = toEventRuns([{ responseId: 'a', events: [event(0), event(1), event(3), event(3)] }]);
    expect(numbers(runs)).toEqual([
      ['a', [0, 1]],
      ['a', [3]],
      ['a', [3]],
    ]);
  });

  it('writes nothing for an empty batch', () => {
    expect(toEventRuns([{ responseId: 'a', events: [] }])).toEqual([]);
  });
});
