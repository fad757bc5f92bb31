/**
 * When forms check their fields, shared by every `useForm`: first when the person submits, then a field showing an
 * error is checked again when they leave it, never on every keystroke. Not "onBlur" for the first check: an error
 * appearing as the pointer goes down on Submit moves the button away before the click lands.
 */
export const checkOnSubmitThenBlur = { shouldValidate: "onSubmit", shouldRevalidate: "onBlur" } as const;
