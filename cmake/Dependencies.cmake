# Locates the system libraries Homeward links (Debian bookworm packages; see
# deploy/install-deps.sh). Each becomes an imported target named mt::<name>.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(dlib REQUIRED)

pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
# The binaries keep OpenBLAS's pthread build on their RUNPATH, built and
# installed alike (one RPATH, never rewritten by the package's install).
set(CMAKE_INSTALL_RPATH "${OPENBLAS_LIBRARY_DIRS}")
set(CMAKE_BUILD_WITH_INSTALL_RPATH ON)
pkg_check_modules(IMGLIBS REQUIRED IMPORTED_TARGET libjpeg libpng libwebp libtiff-4)

# Debian's modular OpenCV packages ship no CMake config; the three modules we
# use are found by hand.
find_path(OPENCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
add_library(mt::opencv INTERFACE IMPORTED)
foreach(module core imgproc imgcodecs)
  find_library(OPENCV_${module}_LIBRARY opencv_${module} REQUIRED)
  target_link_libraries(mt::opencv INTERFACE ${OPENCV_${module}_LIBRARY})
endforeach()
target_include_directories(mt::opencv SYSTEM INTERFACE ${OPENCV_INCLUDE_DIR})
# The DNN module, for the CNN face detector only (libmatch/face/mt_cnn_detector.cpp).
find_library(OPENCV_dnn_LIBRARY opencv_dnn REQUIRED)
add_library(mt::opencv_dnn INTERFACE IMPORTED)
target_link_libraries(mt::opencv_dnn INTERFACE ${OPENCV_dnn_LIBRARY} mt::opencv)

# FAISS: Debian ships libfaiss.a and the C API headers but not the C API's
# code. An upstream libfaiss_c is linked when found; otherwise libmatch
# compiles its own implementation of the functions it calls
# (libmatch/index/mti_faiss_c.cpp).
find_package(OpenMP REQUIRED)
find_package(faiss REQUIRED)
find_library(FAISS_C_LIBRARY faiss_c)
if(FAISS_C_LIBRARY)
  message(STATUS "FAISS C API: ${FAISS_C_LIBRARY}")
else()
  message(STATUS "FAISS C API: compiled from libmatch/index/mti_faiss_c.cpp")
endif()

pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)
find_program(PROTOC_C protoc-c REQUIRED)
find_package(ZLIB REQUIRED)
find_path(UTHASH_INCLUDE_DIR uthash.h REQUIRED)

pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(CSV_LIBRARY csv REQUIRED)
add_library(PkgConfig::CSV INTERFACE IMPORTED)
target_include_directories(PkgConfig::CSV INTERFACE ${CSV_INCLUDE_DIR})
target_link_libraries(PkgConfig::CSV INTERFACE ${CSV_LIBRARY})
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
