# facemat native addon. `npm run build:native` (node-gyp rebuild --directory native) builds:
#   facemat_core        static library: every source under src/ except the module entry point
#   facemat_native      the addon the app loads (src/addon.cc + core, real kernel)
#   facemat_native_test the same core plus the V4L2/v4l2loopback kernel double of native/test/,
#                       loaded only by test/native/ (it replaces the system-call layer)
# Needs a C++17 compiler and libjpeg-turbo's TurboJPEG headers (Debian: libturbojpeg0-dev).
{
  'target_defaults': {
    'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
    'defines': ['NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-std=gnu++17', '-std=gnu++20'],
    # -O3 turns on the loop vectoriser the conversions are written for.
    'cflags': ['-O3', '-fPIC', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers'],
    'cflags_cc': ['-std=c++17', '-fexceptions'],
    'include_dirs': ['src'],
    'conditions': [
      ['OS != "linux"', {
        'actions': [{
          'action_name': 'linux_only',
          'inputs': [],
          'outputs': ['linux_only'],
          'action': ['sh', '-c', 'echo "facemat native addon: V4L2 needs Linux" >&2; exit 1'],
        }],
      }],
    ],
  },
  'targets': [
    {
      'target_name': 'facemat_core',
      'type': 'static_library',
      'sources': [
        'src/capture_device.cc',
        'src/convert.cc',
        'src/device_error.cc',
        'src/device_list.cc',
        'src/exports.cc',
        'src/format_negotiation.cc',
        'src/frame_decoder.cc',
        'src/guided_upsample.cc',
        'src/jpeg.cc',
        'src/js_args.cc',
        'src/js_capture_device.cc',
        'src/js_conversions.cc',
        'src/js_devices.cc',
        'src/js_loopback_writer.cc',
        'src/loopback_writer.cc',
        'src/resize.cc',
        'src/v4l2_formats.cc',
        'src/v4l2_syscalls.cc',
        'src/worker_wake.cc',
      ],
    },
    {
      'target_name': 'facemat_native',
      'dependencies': ['facemat_core'],
      'sources': ['src/addon.cc'],
      'libraries': ['-lturbojpeg', '-lpthread'],
    },
    {
      'target_name': 'facemat_native_test',
      'dependencies': ['facemat_core'],
      'sources': ['test/fake_kernel.cc', 'test/test_addon.cc'],
      'libraries': ['-lturbojpeg', '-lpthread'],
    },
  ],
}
