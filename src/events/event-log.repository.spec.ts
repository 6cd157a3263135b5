import { eventRunsDocument } from './event-log.repository';

describe('eventRunsDocument', () => {
  const event = (sequenceNumber: number, text: string) => ({
    type: 'response.output_text.delta',
    sequenceNumber,
    json: JSON.stringify({ type: 'response.output_text.delta', delta: text, sequence_number: sequenceNumber }),
  });

  it('is the JSON of the runs as json_to_recordset reads them, every event as its own JSON', () => {
    const runs = [
      { responseId: 'resp_a', events: [event(3, 'he said "hi"\n'), event(4, 'é\u2028')] },
      { responseId: 'resp_"b"', events: [event(0, '')] },
    ];
    expect(JSON.parse(eventRunsDocument(runs))).toEqual(
      runs.map(({ responseId, events }) => ({
        r: responseId,
        f: events[0].sequenceNumber,
        l: events[events.length - 1].sequenceNumber,
        e: events.map((e) => JSON.parse(e.json)),
      })),
    );
  });

  it('is an empty array for no runs', () => {
    expect(eventRunsDocument([])).toBe('[]');
  });
});
