/**
 * The subset of an OpenEI Utility Rate Database (URDB, API v7/v8) rate record the importer
 * reads. Unknown fields are kept and ignored. Field meanings: https://openei.org/services/doc/rest/util_rates
 */
import { z } from 'zod';

const tier = z.looseObject({
  max: z.number().optional(),
  unit: z.string().optional(),
  rate: z.number().optional(),
  adj: z.number().optional(),
  sell: z.number().optional(),
});
const structure = z.array(z.array(tier).min(1));
const matrix = z.array(z.array(z.int().min(0)).length(24)).length(12);

/**
 * SAM utilityrate5 billing-demand inputs, which URDB does not carry (SAM users type them in).
 * Accepted as an extension so SAM cases can be imported without loss; names are SAM's own.
 */
export const samBillingDemandSchema = z.strictObject({
  ur_billing_demand_minimum: z.number().min(0),
  ur_billing_demand_lookback_period: z.int().min(0).max(36),
  ur_billing_demand_lookback_percentages: z.array(z.tuple([z.number().min(0), z.number()])).length(12),
  ur_dc_billing_demand_periods: z.array(z.tuple([z.int().min(1), z.number()])).min(1),
});

export const urdbRateSchema = z.looseObject({
  label: z.string().optional(),
  name: z.string().min(1),
  utility: z.string().optional(),
  sector: z.string().optional(),
  description: z.string().optional(),
  source: z.string().optional(),
  uri: z.string().optional(),
  startdate: z.number().optional().describe('epoch seconds'),
  enddate: z.number().optional(),
  energyratestructure: structure.optional(),
  energyweekdayschedule: matrix.optional(),
  energyweekendschedule: matrix.optional(),
  demandratestructure: structure.optional(),
  demandweekdayschedule: matrix.optional(),
  demandweekendschedule: matrix.optional(),
  demandunits: z.string().optional(),
  demandwindow: z.number().optional(),
  flatdemandstructure: structure.optional(),
  flatdemandmonths: z.array(z.int().min(0)).length(12).optional(),
  flatdemandunit: z.string().optional(),
  fixedchargefirstmeter: z.number().optional(),
  fixedmonthlycharge: z.number().optional(),
  fixedchargeunits: z.enum(['$/month', '$/day', '$/year']).optional(),
  mincharge: z.number().optional(),
  minchargeunits: z.enum(['$/month', '$/day', '$/year']).optional(),
  demandratchetpercentage: z.array(z.number()).length(12).optional(),
  lookbackpercent: z.number().optional(),
  lookbackrange: z.int().optional(),
  lookbackmonths: z.array(z.boolean()).length(12).optional(),
  sam_billing_demand: samBillingDemandSchema.optional(),
});

export type UrdbRate = z.infer<typeof urdbRateSchema>;
export type UrdbTier = z.infer<typeof tier>;
