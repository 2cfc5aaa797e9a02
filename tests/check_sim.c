/* check_sim: runs the simulator's Check suites; results as TAP on stdout. */
#include <stdlib.h>

#include "sim.h"

int main(void)
{
	SRunner *sr = srunner_create(mem_suite());
	srunner_add_suite(sr, heap_suite());
	srunner_add_suite(sr, cpu_suite());
	srunner_add_suite(sr, thread_suite());
	srunner_add_suite(sr, sched_suite());
	srunner_add_suite(sr, sync_suite());
	srunner_add_suite(sr, fault_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
