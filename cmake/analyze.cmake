# SPDX-License-Identifier: LGPL-2.1-or-later
# HWPI_ANALYZE: gcc -fanalyzer runs on every target (top-level CMakeLists.txt).
# Its false positives that no clear code change avoids are switched off here,
# one warning for one file each; doc/static-analysis.md says why for each.

# gcc 12 loses track of a pointer stored into an element of a growing array
# (index not a constant) and reports it leaked: struct failure.error
# (cmd-campaign.c add_failure()) and struct step.argv (campaign-file.c).
set(hwpi_dirs ${PROJECT_SOURCE_DIR}/cli)
if(TARGET fuzz-replay-campaign)
	list(APPEND hwpi_dirs ${PROJECT_SOURCE_DIR}/tests/fuzz)	# builds campaign-file.c too
endif()
set_property(SOURCE ${PROJECT_SOURCE_DIR}/cli/cmd-campaign.c
	${PROJECT_SOURCE_DIR}/cli/campaign-file.c
	DIRECTORY ${hwpi_dirs}
	APPEND PROPERTY COMPILE_OPTIONS -Wno-analyzer-malloc-leak)
