import { z } from "zod";
import { DOC_ID_RULE, isValidDocId } from "../doc-id";
import { normalizeTitle, titleProblem } from "../documents/title";

/** A document as the HTTP API describes it. */
export const docMetaSchema = z.object({
  id: z.string(),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  sizeBytes: z.number(),
});

export type DocSummary = z.infer<typeof docMetaSchema>;

export const docListSchema = z.object({ docs: z.array(docMetaSchema) });
export const oneDocSchema = z.object({ doc: docMetaSchema });

/** A title as a request gives it: refused when too long, else normalised (lib/documents/title.ts). */
const titleSchema = z
  .string()
  .superRefine((value, context) => {
    const problem = titleProblem(value);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  .transform(normalizeTitle);

/** POST /api/docs */
export const createDocBodySchema = z
  .object({
    title: titleSchema.optional(),
    id: z.string().refine(isValidDocId, `id must be ${DOC_ID_RULE}`).optional(),
  })
  .strict();

/** PATCH /api/docs/<id> */
export const renameDocBodySchema = z.object({ title: titleSchema }).strict();
