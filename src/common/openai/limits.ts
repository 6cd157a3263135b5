/** The largest integer OpenAI's API takes for a count (a 32-bit signed integer), and our columns store. */
export const MAX_INT32 = 2_147_483_647;

/** The longest model name accepted: OpenAI's and every open model's names are far shorter. */
export const MAX_MODEL_NAME_LENGTH = 256;
