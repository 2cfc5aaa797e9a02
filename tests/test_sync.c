/* test_sync: the sync module of the simulator. */
#include "sim.h"

Suite *sync_suite(void)
{
	Suite *s = suite_create("sync");
	return s;
}
