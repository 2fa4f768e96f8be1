// Prisma CLI configuration. Only `prisma generate` is used: the database is
// migrated by dbmate (migrations/), so no datasource URL is configured here.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
});
