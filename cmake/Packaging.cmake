# cmake/Packaging.cmake: install rules and the Debian packages (CPack DEB, one per component).
#
# Packages (deploy/package.sh builds them with -DCMAKE_INSTALL_PREFIX=/usr and
# -DTIENDO_DATA_DIR=/usr/share/tiendo/data):
#   tiendo-collector  /usr/bin/tiendo-collector, its unit, /etc/tiendo/collector.conf,
#                     /usr/sbin/tiendo-enrol-agent (deploy/enrol-agent.sh)
#   tiendo-agent      /usr/bin/tiendo-agent, its unit, /etc/tiendo/agent.conf
#   tiendo            /usr/bin/tiendo (central staff's CLI), /etc/tiendo/tiendo.conf
#   tiendo-data       /usr/share/tiendo/data/*.csv (arch all; the three above depend on it,
#                     since dpkg lets only one package own a file)
include(GNUInstallDirs)

# Where units go: Debian 12 packages install them in /lib/systemd/system; any other
# prefix (a hand-made /usr/local install) keeps them under the prefix.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(s_unit_dir_default "/lib/systemd/system")
else()
  set(s_unit_dir_default "${CMAKE_INSTALL_LIBDIR}/systemd/system")
endif()
set(TIENDO_SYSTEMD_UNIT_DIR "${s_unit_dir_default}" CACHE STRING
    "Where the systemd units are installed (relative: under the prefix)")
# /etc/tiendo for prefix /usr (GNUInstallDirs maps it), PREFIX/etc/tiendo otherwise.
set(TIENDO_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/tiendo")
set(TIENDO_INSTALL_DATA_DIR "${CMAKE_INSTALL_DATADIR}/tiendo/data")

if(NOT TIENDO_DATA_DIR STREQUAL "${CMAKE_INSTALL_FULL_DATADIR}/tiendo/data")
  message(STATUS "tiendo: the data files install to ${CMAKE_INSTALL_FULL_DATADIR}/tiendo/data "
                 "but the binaries look in ${TIENDO_DATA_DIR} by default; packages are built "
                 "by deploy/package.sh, which sets both")
endif()

# ---- install rules, one component per package ----
install(TARGETS tiendo-collector RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT collector)
install(TARGETS tiendo-agent RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT agent)
install(TARGETS tiendo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)

install(FILES ${CMAKE_SOURCE_DIR}/deploy/config/collector.conf
        DESTINATION ${TIENDO_CONFIG_DIR} COMPONENT collector)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/config/agent.conf
        DESTINATION ${TIENDO_CONFIG_DIR} COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/config/tiendo.conf
        DESTINATION ${TIENDO_CONFIG_DIR} COMPONENT cli)

# The one-step enrolment script (docs/operations.md, "Enrolling an office") and the
# agent.conf it starts each office's bundle from.
install(PROGRAMS ${CMAKE_SOURCE_DIR}/deploy/enrol-agent.sh DESTINATION ${CMAKE_INSTALL_SBINDIR}
        RENAME tiendo-enrol-agent COMPONENT collector)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/config/agent.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/tiendo COMPONENT collector)

install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/tiendo-collector.service
        DESTINATION ${TIENDO_SYSTEMD_UNIT_DIR} COMPONENT collector)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/tiendo-agent.service
        DESTINATION ${TIENDO_SYSTEMD_UNIT_DIR} COMPONENT agent)

install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/ DESTINATION ${TIENDO_INSTALL_DATA_DIR}
        COMPONENT data FILES_MATCHING PATTERN "*.csv")

# Documentation: /usr/share/doc/<package>/.
set(s_doc ${CMAKE_SOURCE_DIR}/docs)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${s_doc}/operations.md ${s_doc}/security.md
              ${s_doc}/protocol.md ${s_doc}/architecture.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tiendo-collector COMPONENT collector)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${s_doc}/agent.md ${s_doc}/report-format.md
              ${s_doc}/operations.md ${s_doc}/security.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tiendo-agent COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${s_doc}/cli.md ${s_doc}/cli-json.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tiendo COMPONENT cli)
install(FILES ${s_doc}/data.md ${s_doc}/glossary.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/tiendo-data COMPONENT data)

# ---- maintainer scripts and conffiles (deploy/debian/) ----
set(s_deb_dir ${CMAKE_BINARY_DIR}/debian)
foreach(pkg tiendo-collector tiendo-agent)
  string(REPLACE "tiendo-" "" TIENDO_DEB_ROLE ${pkg})
  set(TIENDO_DEB_PACKAGE ${pkg})
  foreach(script postinst prerm postrm)
    configure_file(${CMAKE_SOURCE_DIR}/deploy/debian/${script}.in ${s_deb_dir}/${pkg}/${script}
                   @ONLY FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                   GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
endforeach()
# Files under /etc are conffiles: an upgrade keeps the operator's edits (dpkg asks).
file(WRITE ${s_deb_dir}/tiendo-collector/conffiles "${TIENDO_CONFIG_DIR}/collector.conf\n")
file(WRITE ${s_deb_dir}/tiendo-agent/conffiles "${TIENDO_CONFIG_DIR}/agent.conf\n")
file(WRITE ${s_deb_dir}/tiendo/conffiles "${TIENDO_CONFIG_DIR}/tiendo.conf\n")

# ---- CPack: Debian packages ----
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "tiendo")
set(CPACK_PACKAGE_VENDOR "tiendo")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# Each package's Description is its component's (first line: the summary); no
# CPACK_PACKAGE_DESCRIPTION_SUMMARY, which CPack would put in front of all four.
set(TIENDO_PACKAGE_MAINTAINER
    "tiendo maintainers <maintainers@users.noreply.r-seed-d8ea2b3b.example>"
    CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${TIENDO_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TIENDO_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL collector agent cli data)
set(CPACK_COMPONENTS_GROUPING IGNORE)
# Maintainer scripts 0755, control files 0644, as dpkg expects.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Shared-library dependencies from dpkg-shlibdeps (libzmq5, libprotobuf-c1, liblmdb0,
# libjansson4, libsystemd0, libmicrohttpd12, libc6 ... as each binary links them).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Binaries are stripped into separate -dbgsym packages (.ddeb), as Debian does.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)

set(s_version "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")
set(s_data_dep "tiendo-data (= ${s_version})")

set(CPACK_DEBIAN_COLLECTOR_PACKAGE_NAME "tiendo-collector")
set(CPACK_DEBIAN_COLLECTOR_PACKAGE_DEPENDS "${s_data_dep}, adduser")
set(CPACK_DEBIAN_COLLECTOR_PACKAGE_RECOMMENDS "tiendo")
set(CPACK_DEBIAN_COLLECTOR_PACKAGE_CONTROL_EXTRA
    "${s_deb_dir}/tiendo-collector/postinst;${s_deb_dir}/tiendo-collector/prerm;${s_deb_dir}/tiendo-collector/postrm;${s_deb_dir}/tiendo-collector/conffiles")
set(CPACK_COMPONENT_COLLECTOR_DESCRIPTION
    "tiendo central collector (Resolution 06-NQ/TW progress reports)
Receives localities' progress reports from tiendo agents over ZeroMQ (CURVE-encrypted,
enrolled keys only), stores every revision durably in LMDB and acknowledges each one
after commit; answers the tiendo command's queries. Runs as the systemd service
tiendo-collector (user tiendo, state in /var/lib/tiendo/collector).")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME "tiendo-agent")
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "${s_data_dep}, adduser")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    "${s_deb_dir}/tiendo-agent/postinst;${s_deb_dir}/tiendo-agent/prerm;${s_deb_dir}/tiendo-agent/postrm;${s_deb_dir}/tiendo-agent/conffiles")
set(CPACK_COMPONENT_AGENT_DESCRIPTION
    "tiendo agent for a locality's office (Resolution 06-NQ/TW progress reports)
Checks and queues the office's progress reports in a local LMDB outbox and delivers
them to the central tiendo collector when the line is up; nothing queued is lost.
Runs as the systemd service tiendo-agent (user tiendo, state in /var/lib/tiendo/agent).")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME "tiendo")
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "${s_data_dep}")
set(CPACK_DEBIAN_CLI_PACKAGE_CONTROL_EXTRA "${s_deb_dir}/tiendo/conffiles")
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "tiendo command for central staff (Resolution 06-NQ/TW national picture)
Shows who has reported and on time, progress on the six task groups, indicators
against targets and lagging units, as held by the tiendo collector.")

set(CPACK_DEBIAN_DATA_PACKAGE_NAME "tiendo-data")
set(CPACK_DEBIAN_DATA_PACKAGE_ARCHITECTURE "all")
set(CPACK_DEBIAN_DATA_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DATA_DEBUGINFO_PACKAGE OFF)
set(CPACK_COMPONENT_DATA_DESCRIPTION
    "tiendo unit registry, task groups and indicator catalogue
Vietnam's provinces and communes with their validity and successors, the six task
groups of Resolution 06-NQ/TW, the indicator catalogue and the reporting calendar,
read by tiendo-collector, tiendo-agent and tiendo from /usr/share/tiendo/data.")

include(CPack)
