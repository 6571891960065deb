/** Prisma's "unique constraint failed": the row is there already (someone was quicker, or this is a repeat). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002';
}
