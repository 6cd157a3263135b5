import { Injectable } from '@nestjs/common';
import type { ResponseTool } from '../common/openai/types';
import { AppConfig } from '../config/app-config';
import { WEB_SEARCH } from './hosted-tools';
import { offeredFunctions, type ToolOffer } from './tool-definitions';

/** What a request's tools offer the backend on this deployment, whose configuration says which hosted tools it runs. */
@Injectable()
export class ToolOffers {
  /** The tool types of the hosted tools that have a provider here. */
  private readonly hosted: ReadonlySet<string>;
  /** A response's tools are offered at several steps of its run: each array is worked out once. */
  private readonly offers = new WeakMap<ResponseTool[], ToolOffer>();

  constructor(config: AppConfig) {
    this.hosted = new Set(config.WEB_SEARCH_PROVIDER ? WEB_SEARCH.toolTypes : []);
  }

  offer(tools: ResponseTool[]): ToolOffer {
    let offer = this.offers.get(tools);
    if (!offer) this.offers.set(tools, (offer = offeredFunctions(tools, this.hosted)));
    return offer;
  }
}
