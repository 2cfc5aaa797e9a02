/* settings: scheduling policy names and default settings. */
#include "settings.h"

#include <string.h>

const struct policy_info sched_policies[POLICY_COUNT] = {
#define X(id, name, doc) [POLICY_##id] = { name, doc },
	SCHED_POLICIES(X)
#undef X
};

/* Find a policy by name. */
int sched_policy_lookup(const char *name)
{
	for (int i = 0; i < POLICY_COUNT; i++)
		if (strcmp(sched_policies[i].name, name) == 0)
			return i;
	return -1;
}

/* One core, round robin with a quantum of 2, seed 1, free switches (a
 * process switch costs four times a thread switch). */
void config_default(struct machine_config *c)
{
	*c = (struct machine_config){
		.cores = 1, .quantum = 2, .policy = POLICY_RR, .seed = 1,
		.switch_cost = 0, .process_switch_cost = -1, .schedule = NULL,
	};
}
