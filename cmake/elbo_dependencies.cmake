# The Debian packages every elbo build needs besides LibTorch (the main build in
# ../CMakeLists.txt and the sanitizer build in ../sanitize/ both include this).
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
find_package(PNG REQUIRED)   # image grids (VAE reconstructions, samples)
find_package(ZLIB REQUIRED)  # gzip-compressed IDX files
