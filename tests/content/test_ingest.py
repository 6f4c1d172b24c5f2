"""Image ingest against hostile and real-world uploads."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import zlib

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFile, PngImagePlugin

from signage.content.ingest import IngestedImage, MediaRejected, ingest_image

MB = 1024 * 1024
LIMITS = {"max_bytes": 20 * MB, "max_pixels": 40_000_000}
ORIENTATION, MAKE, GPS_IFD = 0x0112, 0x010F, 0x8825


# --- builders ----------------------------------------------------------------------------


def photograph(width: int = 400, height: int = 300) -> Image.Image:
    """A synthetic photo: colour gradients, sensor-like noise and a red marker top-left."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.linear_gradient("L").rotate(90).resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    photo = Image.merge("RGB", (red, green, noise))
    ImageDraw.Draw(photo).rectangle((0, 0, width // 5, height // 5), fill=(255, 0, 0))
    return photo


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "SecretCam"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (21.0, 1.0, 42.0), 3: "E", 4: (105.0, 51.0, 0.0)})
    return exif


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit all-black PNG, compressed row by row: never held in memory whole."""
    row = bytes(1 + math.ceil(width / 8))  # filter byte 0 + packed zero bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def reject_code(data: bytes, **limits: int) -> MediaRejected:
    with pytest.raises(MediaRejected) as caught:
        ingest_image(data, **{**LIMITS, **limits})
    return caught.value


def reopen(result: IngestedImage) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


# --- hostile input -----------------------------------------------------------------------


def test_zero_bytes_are_rejected() -> None:
    assert reject_code(b"").code == "empty"


def test_files_over_max_bytes_are_rejected_before_decoding() -> None:
    data = encode(photograph(), "PNG")

    error = reject_code(data, max_bytes=len(data) - 1)

    assert error.code == "too_large"
    assert error.params == {"size": len(data), "max_bytes": len(data) - 1}


def test_a_text_file_renamed_jpg_is_not_an_image() -> None:
    text = "Thông báo họp dân, tổ dân phố số 3.\n".encode() * 20

    error = reject_code(text)

    assert error.code == "not_an_image"


def test_a_truncated_jpeg_is_rejected() -> None:
    data = encode(photograph(), "JPEG", quality=95)

    error = reject_code(data[: len(data) * 2 // 3])

    assert error.code == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_a_truncated_png_is_rejected() -> None:
    data = encode(photograph(), "PNG")

    assert reject_code(data[: len(data) // 2]).code == "truncated"


def test_a_decompression_bomb_is_rejected_from_its_header() -> None:
    bomb = png_bomb(30_000, 30_000)  # 900 megapixels in about 110 KB
    assert len(bomb) < 200_000

    error = reject_code(bomb)

    assert error.code == "too_many_pixels"
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # the global limit is left alone


def test_images_over_our_pixel_limit_are_rejected_before_loading() -> None:
    bomb = png_bomb(8_000, 6_000)  # 48 MP: under Pillow's own limits, over ours

    error = reject_code(bomb, max_pixels=40_000_000)

    assert error.code == "too_many_pixels"
    assert error.params == {"width": 8_000, "height": 6_000, "max_pixels": 40_000_000}


def test_pillow_bomb_warning_is_a_rejection_even_with_a_generous_limit() -> None:
    bomb = png_bomb(10_000, 10_000)  # 100 MP: Pillow warns (limit 89 MP) but does not raise

    assert reject_code(bomb, max_pixels=500_000_000).code == "too_many_pixels"


@pytest.mark.parametrize(
    ("fmt", "payload"),
    [
        ("PNG", b"<html><body><script>alert(document.cookie)</script></body></html>"),
        ("JPEG", b"<script>alert(1)</script>"),
        ("JPEG", b"PK\x03\x04\x14\x00\x00\x00\x08\x00evil.jsPK\x05\x06" + bytes(18)),
        ("WEBP", b"<?php system($_GET['c']); ?>"),
    ],
)
def test_polyglot_payloads_after_the_image_are_not_stored(fmt: str, payload: bytes) -> None:
    polyglot = encode(photograph(120, 90), fmt) + payload

    result = ingest_image(polyglot, **LIMITS)

    assert payload not in result.data
    assert payload[:8] not in result.data
    assert reopen(result).size == (120, 90)


def test_payloads_hidden_in_metadata_are_not_stored() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPS 21.0N 105.8E</x:xmpmeta>", zip=True)
    png = encode(photograph(120, 90), "PNG", pnginfo=info)
    jpeg = encode(
        photograph(120, 90),
        "JPEG",
        comment=b"<script>alert(2)</script>",
        xmp=b"<x:xmpmeta>GPS 21.0N 105.8E</x:xmpmeta>",
    )

    for data in (png, jpeg):
        result = ingest_image(data, **LIMITS)
        assert b"script" not in result.data
        assert b"xmpmeta" not in result.data
        assert reopen(result).info.get("comment") is None


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            "SVG",
        ),
        (encode(photograph(64, 48), "BMP"), "BMP"),
        (encode(photograph(64, 48), "GIF"), "GIF"),
        (encode(photograph(64, 48), "TIFF"), "TIFF"),
    ],
    ids=["svg", "svg-xml-prolog", "bmp", "gif", "tiff"],
)
def test_other_formats_are_unsupported_by_content(data: bytes, detected: str) -> None:
    error = reject_code(data)

    assert error.code == "unsupported_format"
    assert error.params == {"format": detected}


def test_a_gif_named_like_a_jpeg_is_still_a_gif() -> None:
    gif = encode(photograph(64, 48), "GIF")  # the name an uploader gives never reaches ingest

    assert reject_code(gif).params == {"format": "GIF"}


def test_animated_images_are_rejected() -> None:
    frames = [photograph(64, 48), photograph(64, 48).rotate(180)]
    apng = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    webp = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])

    assert reject_code(apng).code == "animated"
    assert reject_code(webp).code == "animated"


def test_a_corrupted_png_checksum_is_rejected() -> None:
    data = bytearray(encode(photograph(64, 48), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 40] ^= 0xFF

    assert reject_code(bytes(data)).code == "truncated"


# --- real-world photographs --------------------------------------------------------------


def test_camera_jpeg_is_turned_upright_and_loses_its_exif() -> None:
    stored = photograph(400, 300)  # the sensor's landscape pixels, marker top-left
    data = encode(stored, "JPEG", quality=92, exif=camera_exif(orientation=6).tobytes())
    assert b"SecretCam" in data

    result = ingest_image(data, **LIMITS)

    image = reopen(result)
    assert (result.width, result.height) == image.size == (300, 400)  # rotated 90° clockwise
    r, g, b = image.getpixel((295, 5))  # the marker is now top-right
    assert r > 200 and g < 60 and b < 60
    assert not image.getexif()
    assert b"Exif" not in result.data
    assert b"SecretCam" not in result.data
    assert (result.format, result.mime, result.ext) == ("JPEG", "image/jpeg", "jpg")


def test_multi_picture_jpeg_from_a_phone_keeps_its_first_picture() -> None:
    main, preview = photograph(200, 150), photograph(200, 150).rotate(180)
    mpo = encode(main, "MPO", save_all=True, append_images=[preview])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"

    result = ingest_image(mpo, **LIMITS)

    image = reopen(result)
    assert (result.format, image.format, result.mime) == ("JPEG", "JPEG", "image/jpeg")
    assert image.getpixel((5, 5))[0] > 200  # the main picture's red marker, top-left
    assert getattr(image, "n_frames", 1) == 1


def test_icc_profiles_are_removed() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for fmt in ("JPEG", "PNG", "WEBP"):
        data = encode(photograph(80, 60), fmt, icc_profile=srgb)
        assert Image.open(io.BytesIO(data)).info.get("icc_profile")

        result = ingest_image(data, **LIMITS)

        assert not reopen(result).info.get("icc_profile"), fmt


def test_embedded_colour_profiles_are_applied_before_being_dropped() -> None:
    # An sRGB profile under another name takes the colour-conversion path (no P3 file needed).
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    renamed = srgb.replace("sRGB".encode("utf-16-be"), "Test".encode("utf-16-be"))
    source = photograph(64, 48).convert("RGBA")
    source.putalpha(Image.linear_gradient("L").resize((64, 48)))

    image = reopen(ingest_image(encode(source, "PNG", icc_profile=renamed), **LIMITS))

    assert image.mode == "RGBA"
    assert not image.info.get("icc_profile")
    assert image.getchannel("A").tobytes() == source.getchannel("A").tobytes()
    drift = ImageChops.difference(image.convert("RGB"), source.convert("RGB")).getextrema()
    assert max(high for _, high in drift) <= 3


def test_a_broken_colour_profile_is_ignored() -> None:
    source = photograph(64, 48)

    image = reopen(ingest_image(encode(source, "PNG", icc_profile=b"not a profile" * 20), **LIMITS))

    assert image.tobytes() == source.tobytes()


def test_the_stored_hash_is_of_the_stored_bytes_and_stable() -> None:
    data = encode(photograph(), "PNG")

    first, second = ingest_image(data, **LIMITS), ingest_image(data, **LIMITS)

    assert first.sha256 == hashlib.sha256(first.data).hexdigest()
    assert first == second


def test_png_stays_lossless_png() -> None:
    source = photograph(120, 90)

    result = ingest_image(encode(source, "PNG"), **LIMITS)

    assert (result.format, result.mime, result.ext) == ("PNG", "image/png", "png")
    assert reopen(result).convert("RGB").tobytes() == source.tobytes()


def test_lossless_webp_stays_lossless_and_lossy_stays_lossy() -> None:
    source = photograph(120, 90)

    lossless = ingest_image(encode(source, "WEBP", lossless=True), **LIMITS)
    lossy = ingest_image(encode(source, "WEBP", quality=80), **LIMITS)

    assert b"VP8L" in lossless.data[:40]
    assert reopen(lossless).convert("RGB").tobytes() == source.tobytes()
    assert b"VP8 " in lossy.data[:40]
    assert lossy.mime == "image/webp"


def test_palette_png_with_transparency_keeps_its_alpha() -> None:
    source = Image.new("P", (32, 32), 0)
    source.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    ImageDraw.Draw(source).rectangle((8, 8, 23, 23), fill=1)
    data = encode(source, "PNG", transparency=0)

    image = reopen(ingest_image(data, **LIMITS))

    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    assert image.getpixel((16, 16)) == (200, 0, 0, 255)


def test_cmyk_jpeg_becomes_rgb() -> None:
    data = encode(photograph(80, 60).convert("CMYK"), "JPEG")

    image = reopen(ingest_image(data, **LIMITS))

    assert image.mode == "RGB"


def test_sixteen_bit_grey_png_is_scaled_not_clipped() -> None:
    grey = Image.new("I;16", (4, 1))
    for x, value in enumerate((0, 16_384, 32_768, 65_535)):
        grey.putpixel((x, 0), value)

    image = reopen(ingest_image(encode(grey, "PNG"), **LIMITS))

    assert image.mode == "L"
    assert [image.getpixel((x, 0)) for x in range(4)] == [0, 64, 128, 255]


def test_ingest_raises_no_warnings_for_damaged_exif() -> None:
    data = bytearray(encode(photograph(80, 60), "JPEG", exif=camera_exif(6).tobytes()))
    start = data.index(b"Exif\x00\x00") + 6
    data[start + 10 : start + 40] = b"\xff" * 30  # garbage in the IFD

    result = ingest_image(bytes(data), **LIMITS)  # pytest turns any warning into an error

    assert result.width in (60, 80)
