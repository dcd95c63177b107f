// credits from Prisma 7 with $queryRaw, over the pg driver adapter (which reads
// the PG* environment variables like pg does). `npx prisma generate` first.
import { PrismaClient, Prisma } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';

const prisma = new PrismaClient({ adapter: new PrismaPg({}) });

// Prisma wraps database errors: err.code is Prisma's own ('P2010': raw query
// failed). The SQLSTATE is in err.meta.driverAdapterError.cause.originalCode
// with a driver adapter (Prisma 7); Prisma's older Rust engine put it in
// err.meta.code.
function sqlstate(err) {
  return err?.meta?.driverAdapterError?.cause?.originalCode ?? err?.meta?.code;
}

// An interactive transaction with the tenant set for it alone (SET LOCAL).
const inTenant = (tenant, work) => prisma.$transaction(async (tx) => {
  await tx.$queryRaw`SELECT set_config('credits.tenant', ${tenant}, true)`;
  return work(tx);
});

// SELECT * reads every column of the account: each is of a type Prisma can
// read (default_grant_ttl is ISO 8601 text, 'P30D', not an interval).
const [account] = await inTenant('prisma', (tx) => tx.$queryRaw`
  SELECT * FROM credits_create_account(${'user_1'}, scale => 2, initial_balance => ${'100'},
                                       default_grant_ttl => ${'30 days'})`);
console.log('columns:', Object.keys(account).join(','));
console.log('default_grant_ttl', account.default_grant_ttl);

// numeric comes back as Prisma.Decimal (decimal.js), exact: never Number() it.
// Amounts go in as strings.
const [debit] = await inTenant('prisma', (tx) => tx.$queryRaw`
  SELECT balance FROM credits_debit(${'user_1'}, ${'0.10'}, ${'gpt-4o call'})`);
console.log('debit: balance is a Prisma.Decimal:', debit.balance instanceof Prisma.Decimal, debit.balance.toFixed(2));

try {
  await inTenant('prisma', (tx) => tx.$queryRaw`SELECT * FROM credits_debit(${'user_1'}, ${'1000'})`);
} catch (err) {
  if (sqlstate(err) !== 'CR001') throw err; // insufficient_credits
  console.log('refused:', err.code, sqlstate(err));
}

const [b] = await inTenant('prisma', (tx) => tx.$queryRaw`SELECT balance::text FROM credits_balance(${'user_1'})`);
console.log('final balance', b.balance);
await prisma.$disconnect();
