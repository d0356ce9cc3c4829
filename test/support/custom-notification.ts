/**
 * What Amazon Q Developer in chat applications (formerly AWS Chatbot) takes as a custom
 * notification, as a zod schema the tests parse every chatbot message with.
 *
 * Checked against the "Event schema" and "Parameter details" of the AWS page "Custom
 * notifications using Amazon Q Developer in chat applications"
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html): `version`
 * (required, "1.0"), `source` (required, "custom"), optional `id`; `content` with `textType`
 * (only "client-markdown" is supported), `title`, `description`, `nextSteps` and `keywords`
 * (string arrays); `metadata` with `threadId`, `summary`, `eventType`, `relatedResources`
 * (string array) and `additionalContext` (string to string). `.strict()` everywhere: a field
 * the page does not list fails the test rather than reach a service that may drop it.
 *
 * The lengths (title 250, description 8,000 characters) are the ones the page's OpenAPI schema
 * gives as public code quotes them; the stored copy of the page could not be read that far.
 * The rest is this project's own choice (a title and a description always, a threadId always,
 * so every notice can thread), stricter than the page.
 */
import { z } from "zod";
import { CHATBOT_LIMITS } from "../../lib/report/sns-format";

export const customNotification = z
  .object({
    version: z.literal("1.0"),
    source: z.literal("custom"),
    id: z.string().optional(),
    content: z
      .object({
        textType: z.literal("client-markdown"),
        title: z.string().min(1).max(CHATBOT_LIMITS.title),
        description: z.string().min(1).max(CHATBOT_LIMITS.description),
        nextSteps: z.array(z.string().min(1)).max(CHATBOT_LIMITS.nextSteps).optional(),
        keywords: z.array(z.string().min(1)).max(CHATBOT_LIMITS.keywords).optional(),
      })
      .strict(),
    metadata: z
      .object({
        threadId: z.string().min(1),
        summary: z.string().min(1).max(CHATBOT_LIMITS.summary),
        eventType: z.string().optional(),
        relatedResources: z.array(z.string()).optional(),
        additionalContext: z.record(z.string()).optional(),
      })
      .strict(),
  })
  .strict();

export type CustomNotification = z.infer<typeof customNotification>;
