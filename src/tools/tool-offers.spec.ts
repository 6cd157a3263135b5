import type { ResponseTool } from '../common/openai/types';
import { loadConfig } from '../config/app-config';
import { ToolOffers } from './tool-offers';

describe('ToolOffers', () => {
  const offers = new ToolOffers(loadConfig({}));

  it('offers nothing for no tools, with one shared offer that nobody can change', () => {
    const offer = offers.offer([]);
    expect(offers.offer([])).toBe(offer);
    expect(offer.functions).toEqual([]);
    expect(offer.notOffered).toEqual([]);
    expect(() => (offer.functions as unknown[]).push({})).toThrow(TypeError);
  });

  it('works out each request’s own tools, the same at every step', () => {
    const tools = [{ type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} } }] as unknown as ResponseTool[];
    const offer = offers.offer(tools);
    expect(offer.functions.map((tool) => tool.name)).toEqual(['get_time']);
    expect(offers.offer(tools)).toEqual(offer);
    const other = [{ type: 'custom', name: 'run', format: { type: 'text' } }] as unknown as ResponseTool[];
    expect(offers.offer(other).custom.has('run')).toBe(true);
    expect(offers.offer([]).functions).toEqual([]);
  });
});
